import { serviceKey, type ServiceRef } from '../model/common';
import type { MeshModel } from '../model/mesh';
import { ModelIndex } from '../model/query';
import type { Service } from '../model/service';
import type { Destination, Route } from '../model/traffic';
import type { EdgeKind, GraphEdge, GraphNode, ServiceGraph } from './graph';
import { callPolicies, matchText, ms, routePolicies } from './policies';

const serviceId = (ref: ServiceRef) => `service:${serviceKey(ref)}`;
const versionId = (ref: ServiceRef, version: string) => `version:${serviceKey(ref)}/${version}`;

/**
 * The service graph of one environment's model (`modelForEnvironment`): services, their
 * versions, gateways and external services as nodes; declared calls (with the callee's
 * policies), routes (with weights and route policies), gateway routes and external calls as
 * edges. Everything comes from the model in declaration order, so the graph is deterministic.
 */
export function buildGraph(model: MeshModel): ServiceGraph {
  const index = new ModelIndex(model);
  const teamOf = new Map(model.teams.map((t) => [t.namespace, t.name]));
  const nodes: GraphNode[] = [];
  const edges = new Map<string, GraphEdge>();
  const addEdge = (kind: EdgeKind, source: string, target: string, label: string, details: string[]) => {
    const id = `${kind}:${source}->${target}`;
    const existing = edges.get(id);
    if (existing) {
      if (label && !existing.label.split(' · ').includes(label)) existing.label = existing.label ? `${existing.label} · ${label}` : label;
      existing.details.push(...details.filter((d) => !existing.details.includes(d)));
    } else edges.set(id, { id, kind, source, target, label, details: [...details] });
  };

  for (const s of model.services) {
    nodes.push({ id: serviceId(s), kind: 'service', label: s.name, team: s.team, namespace: s.namespace, details: serviceDetails(s) });
    for (const v of s.versions) {
      nodes.push({
        id: versionId(s, v.name),
        kind: 'version',
        label: `${s.name} ${v.name}`,
        team: s.team,
        namespace: s.namespace,
        details: [`version ${v.name} of ${s.namespace}/${s.name}`, `image ${v.image}`, `replicas ${v.replicas}`],
      });
    }
  }
  for (const g of model.gateways) {
    nodes.push({
      id: `gateway:${g.namespace}/${g.name}`,
      kind: 'gateway',
      label: g.name,
      team: teamOf.get(g.namespace) ?? '',
      namespace: g.namespace,
      details: [`gateway ${g.namespace}/${g.name}`, `hosts ${g.hosts.join(', ')}`, `port ${g.port}${g.tls ? ` (TLS ${g.tls.mode}, secret ${g.tls.secretName})` : ''}`],
    });
  }
  for (const e of model.externalServices) {
    nodes.push({
      id: `external:${e.namespace}/${e.name}`,
      kind: 'external',
      label: e.name,
      team: teamOf.get(e.namespace) ?? '',
      namespace: e.namespace,
      details: [`external service ${e.namespace}/${e.name}`, `hosts ${e.hosts.join(', ')}`, `ports ${e.ports.map((p) => `${p.port}/${p.protocol}`).join(', ')}`, `resolution ${e.resolution}`],
    });
  }

  // Routes: from the owning service (or gateway) to the versions (or services) they send to.
  for (const s of model.services) {
    const routed = new Set<string>();
    for (const r of s.routes) for (const [target, label, details] of routeTargets(index, r)) (routed.add(target), addEdge('route', serviceId(s), target, label, details));
    // Versions no route names still get the service's traffic when no route pins versions.
    if (s.routes.length === 0) for (const v of s.versions) addEdge('route', serviceId(s), versionId(s, v.name), s.versions.length > 1 ? 'even split' : 'all', ['no routes: requests go to every version']);
  }
  for (const g of model.gateways) {
    for (const r of g.routes) for (const [target, label, details] of routeTargets(index, r)) addEdge('ingress', `gateway:${g.namespace}/${g.name}`, target, label, details);
  }
  // Calls, labelled with what the caller meets at the callee.
  for (const s of model.services) {
    for (const c of s.calls) {
      if (c.target.kind === 'service') {
        const callee = index.service(c.target.service);
        if (!callee) continue;
        const p = callPolicies(index, callee, s);
        addEdge('call', serviceId(s), serviceId(callee), p.short.join(' · '), [`${s.name} calls ${callee.name}`, ...p.long]);
      } else {
        const name = c.target.name;
        const ext = model.externalServices.find((e) => e.name === name && e.namespace === s.namespace) ?? model.externalServices.find((e) => e.name === name);
        if (!ext) continue;
        addEdge('external-call', serviceId(s), `external:${ext.namespace}/${ext.name}`, 'egress', [`${s.name} calls ${ext.hosts.join(', ')}`]);
      }
    }
  }
  const teams = [...new Set([...model.teams.map((t) => t.name), ...nodes.map((n) => n.team).filter((t) => t !== '')])];
  return { title: `${model.name} (${model.environments.map((e) => `${e.name}: ${e.mesh}`).join(', ')})`, teams, nodes, edges: [...edges.values()] };
}

function serviceDetails(s: Service): string[] {
  const out = [`service ${s.namespace}/${s.name}`, `team ${s.team}`, `ports ${s.ports.map((p) => `${p.port}/${p.protocol}`).join(', ')}`];
  out.push(`versions ${s.versions.map((v) => `${v.name}×${v.replicas}`).join(', ') || 'none'}`);
  const r = s.resilience;
  if (r.loadBalancer) out.push(`load balancer ${r.loadBalancer.policy}`);
  if (r.timeoutMs !== undefined) out.push(`timeout ${ms(r.timeoutMs)}`);
  for (const slo of s.observability.slos)
    out.push(`SLO ${slo.name}: ${slo.objective.kind === 'availability' ? `${slo.objective.targetPercent}% non-5xx` : `${slo.objective.targetPercent}% ≤ ${ms(slo.objective.thresholdMs)}`} over ${slo.windowDays}d`);
  for (const r of s.routes) if (r.action.kind !== 'forward') out.push(`route ${r.name}: ${matchText(r)} → ${r.action.kind === 'redirect' ? `redirect ${r.action.status}` : `answers ${r.action.status}`}`);
  return out;
}

/** For a forwarding route: [target node id, edge label, hover details] per destination. */
function routeTargets(index: ModelIndex, r: Route): [string, string, string[]][] {
  if (r.action.kind !== 'forward') return [];
  const single = r.action.destinations.length === 1;
  const policies = routePolicies(r);
  return r.action.destinations.flatMap((d: Destination) => {
    const target = index.service(d.service);
    if (!target) return [];
    const weight = single ? '' : ` ${d.weight}%`;
    const label = `${r.name}${weight}`;
    const details = [`route ${r.name}: ${matchText(r)}${weight ? ` →${weight}` : ''}`, ...policies.map((p) => `route ${r.name}: ${p}`)];
    if (d.version) return [[versionId(d.service, d.version), label, details]];
    // No version, another service: the edge goes to that service, whose own routes split it.
    // No version, the route's own service: its load balancer spreads the share over all versions.
    const own = r.owner.kind === 'service' && serviceKey(r.owner.service) === serviceKey(d.service);
    if (!own || target.versions.length === 0) return [[serviceId(d.service), label, details]];
    return target.versions.map((v): [string, string, string[]] => [versionId(d.service, v.name), target.versions.length > 1 ? `${label} (any version)` : label, details]);
  });
}
