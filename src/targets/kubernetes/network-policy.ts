import type { INetworkPolicyIngressRule } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyIngressRule';
import type { INetworkPolicyPeer } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyPeer';
import { serviceKey } from '../../model/common';
import type { EmitContext, Manifest } from '../target';
import { serviceSelector } from '../naming';
import { SyncWave } from '../sync-waves';
import { objectMeta } from './metadata';
import { ingressSources, type IngressSource } from './ingress-sources';
import type { WorkloadWirings } from './wiring';

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
export function networkPolicies(ctx: EmitContext, wirings: WorkloadWirings): Manifest[] {
  if (ctx.model.security.authorization !== 'deny-by-default') return [];
  const out: Manifest[] = [];
  for (const ns of ctx.index.namespaces()) {
    out.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: objectMeta(ctx.model, ns, DEFAULT_DENY_NAME, ns, SyncWave.tightening),
      spec: { podSelector: {}, policyTypes: ['Ingress'] },
    });
  }
  const sources = ingressSources(ctx, wirings);
  for (const s of ctx.model.services) {
    const list = sources.get(serviceKey(s));
    if (!list || list.length === 0) continue;
    const name = `allow-${s.name}`;
    out.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: objectMeta(ctx.model, s.name, name, s.namespace, SyncWave.workloads),
      spec: { podSelector: { matchLabels: serviceSelector(s) }, policyTypes: ['Ingress'], ingress: toRules(list) },
    });
  }
  return out;
}

/** Sources merged into as few rules as possible: one per distinct port set, peers deduplicated. */
function toRules(list: IngressSource[]): Array<Omit<INetworkPolicyIngressRule, 'ports'> & { ports: Array<{ port: number; protocol: string }> }> {
  const byPorts = new Map<string, { ports: number[]; peers: Map<string, INetworkPolicyPeer> | undefined }>();
  for (const src of list) {
    if (src.ports.length === 0) continue;
    const key = src.ports.join(',');
    const entry = byPorts.get(key) ?? { ports: src.ports, peers: new Map() };
    if (src.peers === undefined) entry.peers = undefined; // anyone
    else if (entry.peers) for (const p of src.peers) entry.peers.set(JSON.stringify(p), p as INetworkPolicyPeer);
    byPorts.set(key, entry);
  }
  return [...byPorts.values()].map(({ ports, peers }) => ({
    // Copies: a peer may come from data several policies share, and each manifest is its own.
    // A peer is plain JSON data (labels, CIDRs), so its JSON text, the key it is deduplicated
    // by, parses back to an equal copy, cheaper than structuredClone.
    ...(peers ? { from: [...peers.keys()].map((json) => JSON.parse(json) as INetworkPolicyPeer) } : {}),
    ports: ports.map((p) => ({ port: p, protocol: 'TCP' })),
  }));
}
