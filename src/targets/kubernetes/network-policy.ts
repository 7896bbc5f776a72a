import type { Chart } from 'cdk8s';
import type { NetworkPolicyIngressRule, NetworkPolicyPeer } from 'cdk8s-plus-27/lib/imports/k8s';
import { serviceKey } from '../../model/common';
import type { EmitContext } from '../target';
import { serviceSelector } from '../naming';
import { SyncWave } from '../sync-waves';
import { objectMeta } from './metadata';
import { ingressSources, type IngressSource } from './ingress-sources';
import type { WorkloadWirings } from './wiring';
import { PlainObject } from './plain-object';

/** Name of the per-namespace default-deny policy; per-service policies are `allow-<service>`. */
export const DEFAULT_DENY_NAME = 'default-deny-ingress';

/**
 * NetworkPolicies under `deny-by-default` (the environment's effective mode): a default-deny
 * ingress policy per namespace, and per service a policy admitting only the sources the model
 * declares (see `ingressSources`). Nothing is written under `allow-all`.
 *
 * Only ingress is restricted. Egress stays open on purpose: the mesh controls where workloads
 * may connect (Istio `Sidecar`/`REGISTRY_ONLY`, Consul intentions, the Weft proxy's routes),
 * and an egress policy would also have to allow DNS, the control plane and external services
 * by IP, which NetworkPolicy cannot name by host.
 *
 * Kubelet probes need no rule: traffic from the pod's own node is always allowed.
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export function emitNetworkPolicies(chart: Chart, ctx: EmitContext, wirings: WorkloadWirings): void {
  if (ctx.model.security.authorization !== 'deny-by-default') return;
  for (const ns of ctx.index.namespaces()) {
    new PlainObject(chart, `NetworkPolicy:${ns}:${DEFAULT_DENY_NAME}`, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: objectMeta(ctx.model, ns, DEFAULT_DENY_NAME, ns, SyncWave.workloads),
      spec: { podSelector: {}, policyTypes: ['Ingress'] },
    });
  }
  const sources = ingressSources(ctx, wirings);
  for (const s of ctx.model.services) {
    const list = sources.get(serviceKey(s));
    if (!list || list.length === 0) continue;
    const name = `allow-${s.name}`;
    new PlainObject(chart, `NetworkPolicy:${s.namespace}:${name}`, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: objectMeta(ctx.model, s.name, name, s.namespace, SyncWave.workloads),
      spec: { podSelector: { matchLabels: serviceSelector(s) }, policyTypes: ['Ingress'], ingress: toRules(list) },
    });
  }
}

/** Sources merged into as few rules as possible: one per distinct port set, peers deduplicated. */
function toRules(list: IngressSource[]): Array<Omit<NetworkPolicyIngressRule, 'ports'> & { ports: Array<{ port: number; protocol: string }> }> {
  const byPorts = new Map<string, { ports: number[]; peers: Map<string, NetworkPolicyPeer> | undefined }>();
  for (const src of list) {
    if (src.ports.length === 0) continue;
    const key = src.ports.join(',');
    const entry = byPorts.get(key) ?? { ports: src.ports, peers: new Map() };
    if (src.peers === undefined) entry.peers = undefined; // anyone
    else if (entry.peers) for (const p of src.peers) entry.peers.set(JSON.stringify(p), p as NetworkPolicyPeer);
    byPorts.set(key, entry);
  }
  return [...byPorts.values()].map(({ ports, peers }) => ({
    // Copies: a peer may come from data several policies share, and each manifest is its own.
    ...(peers ? { from: [...peers.values()].map((p) => structuredClone(p)) } : {}),
    ports: ports.map((p) => ({ port: p, protocol: 'TCP' })),
  }));
}
