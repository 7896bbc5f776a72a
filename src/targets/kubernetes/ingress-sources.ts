import { serviceKey, type ServiceRef } from '../../model/common';
import { gatewayWorkload } from '../../model/gateway-workload';
import type { Service } from '../../model/service';
import type { Route } from '../../model/traffic';
import type { EmitContext } from '../target';
import { serviceSelector } from '../naming';
import type { WorkloadWirings } from './wiring';

/** A NetworkPolicy peer, as the Kubernetes API spells it. */
export type Peer = Record<string, unknown>;

/** Who may open connections to a service's pods, on which pod ports. `peers` undefined = anyone. */
export interface IngressSource {
  peers: Peer[] | undefined;
  ports: number[];
}

const NS_LABEL = 'kubernetes.io/metadata.name';

/**
 * Istio's sidecar agent serves the merged Prometheus metrics of the app and the proxy here.
 * @see https://istio.io/latest/docs/ops/integrations/prometheus/#option-1-metrics-merging
 */
const ISTIO_METRICS_PORT = 15020;
/**
 * With Consul's transparent proxy, callers' sidecars connect straight to the callee's sidecar
 * public listener, not to the application port.
 * @see https://developer.hashicorp.com/consul/docs/k8s/connect/transparent-proxy
 */
const CONSUL_SIDECAR_INBOUND_PORT = 20000;

function podsOf(ref: ServiceRef): Peer {
  return { namespaceSelector: { matchLabels: { [NS_LABEL]: ref.namespace } }, podSelector: { matchLabels: serviceSelector(ref) } };
}

function namespacePeer(namespace: string): Peer {
  return { namespaceSelector: { matchLabels: { [NS_LABEL]: namespace } } };
}

/** Services a route sends requests (or mirrored copies) to. */
function routeTargets(route: Route): ServiceRef[] {
  const out: ServiceRef[] = [];
  if (route.action.kind === 'forward') out.push(...route.action.destinations.map((d) => d.service));
  if (route.mirror) out.push(route.mirror.destination.service);
  return out;
}

/**
 * The L3/L4 sources allowed into each service under deny-by-default, derived from the model:
 * - declared `calls` (the caller's pods, in the caller's namespace);
 * - callers of a service whose route forwards or mirrors to this one: meshes route on the
 *   client side, so the caller's sidecar connects to this service's pods directly;
 * - the namespace of every gateway with a route to this service;
 * - the sources of allow rules, widened to what L3 can express (the mesh enforces the rest:
 *   methods, paths, JWT claims, deny rules). Rules that name services allow those pods; else
 *   namespaces; else IP blocks; a rule on JWT claims alone allows any peer;
 * - metrics scrapers (from any namespace: the model does not say where Prometheus runs) on
 *   the sidecar's metrics port.
 * Ports are pod ports: the sidecar's inbound port when the mesh puts one in front of the app.
 */
export function ingressSources(ctx: EmitContext, wirings: WorkloadWirings): Map<string, IngressSource[]> {
  const model = ctx.model;
  const byKey = new Map<string, IngressSource[]>();
  const add = (target: ServiceRef, source: IngressSource) => {
    if (!ctx.index.service(target)) return; // unknown targets are the analyzer's to report
    const key = serviceKey(target);
    const list = byKey.get(key);
    if (list) list.push(source);
    else byKey.set(key, [source]);
  };
  const podPorts = (s: Service, only?: number[]) => {
    const ports = new Set<number>();
    for (const p of s.ports) if (!only || only.includes(p.targetPort) || only.includes(p.port)) for (const pp of wirings.podPort(s, p.targetPort)) ports.add(pp);
    if (ctx.env.mesh === 'consul' && !s.versions.some((v) => wirings.of(s, v).serviceTargetPort)) ports.add(CONSUL_SIDECAR_INBOUND_PORT);
    return [...ports].sort((a, b) => a - b);
  };
  const allPorts = (ref: ServiceRef) => {
    const s = ctx.index.service(ref);
    return s ? podPorts(s) : [];
  };

  const callers = new Map<string, ServiceRef[]>();
  for (const s of model.services)
    for (const c of s.calls)
      if (c.target.kind === 'service') {
        const list = callers.get(serviceKey(c.target.service)) ?? [];
        list.push({ namespace: s.namespace, name: s.name });
        callers.set(serviceKey(c.target.service), list);
      }

  for (const [key, refs] of callers) {
    const target = ctx.index.service(parseKey(key));
    if (target) add(target, { peers: refs.map(podsOf), ports: podPorts(target) });
  }
  for (const s of model.services)
    for (const route of s.routes)
      for (const t of routeTargets(route)) {
        if (serviceKey(t) === serviceKey(s)) continue;
        const via = callers.get(serviceKey(s)) ?? [];
        if (via.length > 0) add(t, { peers: via.map(podsOf), ports: allPorts(t) });
      }
  for (const g of model.gateways) for (const route of g.routes) for (const t of routeTargets(route)) add(t, { peers: [namespacePeer(g.namespace)], ports: allPorts(t) });
  // A weft gateway runs in its workload's namespace and applies the routes of the services its
  // routes hand over to (targets/weft/gateway-routes.ts): its pods also connect to their destinations.
  if (ctx.env.mesh === 'weft')
    for (const g of model.gateways) {
      const peers = [namespacePeer(gatewayWorkload(g).namespace)];
      for (const route of g.routes)
        for (const t of routeTargets(route)) {
          add(t, { peers, ports: allPorts(t) });
          for (const r of ctx.index.service(t)?.routes ?? []) for (const t2 of routeTargets(r)) add(t2, { peers, ports: allPorts(t2) });
        }
    }
  for (const s of model.services)
    for (const rule of s.security.authorization) {
      if (rule.action !== 'allow') continue;
      const f = rule.from;
      const services = (f.services ?? []).filter((r) => !f.namespaces || f.namespaces.includes(r.namespace));
      const peers = f.services
        ? services.map(podsOf)
        : f.namespaces
          ? f.namespaces.map(namespacePeer)
          : f.ipBlocks
            ? f.ipBlocks.map((cidr) => ({ ipBlock: { cidr } }))
            : undefined;
      if (peers && peers.length === 0) continue; // services ∩ namespaces is empty: nobody
      add(s, { peers, ports: podPorts(s, rule.to.ports) });
    }
  for (const s of model.services) {
    if (!(s.observability.metrics ?? model.observability.metrics)) continue;
    const ports = new Set<number>();
    if (ctx.env.mesh === 'istio') ports.add(ISTIO_METRICS_PORT);
    for (const v of s.versions) {
      const p = Number(wirings.of(s, v).podAnnotations?.['prometheus.io/port']);
      if (Number.isInteger(p) && p > 0) ports.add(p);
    }
    if (ports.size > 0) add(s, { peers: [{ namespaceSelector: {} }], ports: [...ports].sort((a, b) => a - b) });
  }
  return byKey;
}

function parseKey(key: string): ServiceRef {
  const i = key.indexOf('/');
  return { namespace: key.slice(0, i), name: key.slice(i + 1) };
}
