import { serviceFqdn, serviceKey } from '../../model/common';
import type { MeshModel } from '../../model/mesh';
import type { ModelIndex } from '../../model/query';
import type { Service, Version } from '../../model/service';
import type { ProxyConfigInput } from '../../proxy/config/schema';
import { canonicalHost } from '../../analyze/helpers/hosts';
import { isCatchAllClause } from '../../analyze/helpers/match';
import type { Match, Route } from '../../model/traffic';
import { workloadName } from '../naming';
import { PROXY_PORTS, SCHEMA_REF } from './constants';
import { kubernetesResolver, type EndpointResolver } from './endpoints';
import { serviceHosts } from './hosts';
import { observabilityConfig } from './observability';
import { proxiedPort } from './ports';
import type { Reporter } from './reporter';
import { tokenBucket } from './resilience';
import { compileRoute, implicitRoute, type RouteInput, type RouteScope } from './routes';
import { ServiceTable } from './services';

type Address = { host: string; port: number };

export interface ProxyConfigOptions {
  /** Endpoints of each version. @default the per-version Kubernetes Services (kubernetesResolver) */
  endpoints?: EndpointResolver;
  /**
   * Listener addresses. @default inbound 0.0.0.0:15006, outbound 127.0.0.1:15001, admin 0.0.0.0:15000
   * (a local mesh on loopback gives every workload its own ports).
   */
  listeners?: { inbound?: Address; outbound?: Address; admin?: Address };
  /** `$schema` of the document. @default SCHEMA_REF; `null` leaves it out */
  schema?: string | null;
}

/**
 * The proxy config of one workload (a version of a service): who it is, its listeners, the
 * services it calls with their subsets, load balancing and circuit breaking, the routes its
 * outbound proxy applies, and its telemetry. Pure: reads only the model.
 */
export function buildProxyConfig(
  ctx: { readonly model: MeshModel; readonly index: ModelIndex },
  service: Service,
  version: Version,
  reporter: Reporter,
  options: ProxyConfigOptions = {},
): ProxyConfigInput {
  const { model, index } = ctx;
  const table = new ServiceTable(model, service.namespace, options.endpoints ?? kubernetesResolver(model), reporter);
  const scope: RouteScope = { model, index, caller: service, table, reporter };

  // Called services first, in `calls` order: they own the host names the application uses.
  const called: Service[] = [];
  const proxyNames = new Map<string, string>();
  for (const call of service.calls) {
    if (call.target.kind === 'external') {
      const name = call.target.name;
      const ext = model.externalServices.find((e) => e.name === name);
      // An unknown external service is the analyzer's error; a known one the proxy cannot carry is reported by the emitter (WEFT647).
      if (ext) table.addExternal(ext);
      continue;
    }
    const target = index.service(call.target.service);
    if (!target || called.some((c) => serviceKey(c) === serviceKey(target))) continue;
    called.push(target);
    const name = table.add(target, 'all', call);
    if (name !== undefined) proxyNames.set(serviceKey(target), name);
  }

  // Declared routes for the called hosts in declaration order, and a catch-all per called service
  // whose routes, as this caller sees them, leave requests unmatched; routes for exact hosts
  // before wildcard ones (Envoy picks the most specific virtual host first).
  const calledKeys = new Set(called.filter((c) => proxyNames.has(serviceKey(c))).map(serviceKey));
  const calledFqdns = new Set(called.map((c) => serviceFqdn(c, model.clusterDomain)));
  const declared: Array<{ route: RouteInput; wildcard: boolean }> = [];
  const caughtAll = new Set<string>();
  for (const owner of model.services) {
    if (!proxiedPort(owner)) continue; // its traffic bypasses the proxy (WEFT643)
    for (const route of owner.routes) {
      const hosts = route.hosts.map((h) => canonicalHost(h, owner.namespace, model));
      if (!calledKeys.has(serviceKey(owner)) && !hosts.some((h) => calledFqdns.has(h))) continue;
      const compiled = compileRoute(scope, owner, route);
      if (compiled.length > 0 && catchesAll(route, service)) for (const h of hosts) caughtAll.add(h);
      for (const r of compiled) declared.push({ route: r, wildcard: route.hosts.some((h) => h.includes('*')) });
    }
  }
  const catchAlls: RouteInput[] = [];
  for (const target of called) {
    const port = proxiedPort(target);
    const name = proxyNames.get(serviceKey(target));
    if (!port || name === undefined || caughtAll.has(serviceFqdn(target, model.clusterDomain))) continue;
    catchAlls.push(implicitRoute(scope, target, name, serviceHosts(model, target, port.port, service.namespace)));
  }
  // The catch-alls belong to their services' exact hosts: after the exact-host routes, before any wildcard.
  const routes: RouteInput[] = [...declared.filter((d) => !d.wildcard).map((d) => d.route), ...catchAlls, ...declared.filter((d) => d.wildcard).map((d) => d.route)];

  const inPort = proxiedPort(service);
  const l = options.listeners ?? {};
  const listeners: ProxyConfigInput['listeners'] = {
    outbound: l.outbound ?? { host: '127.0.0.1', port: PROXY_PORTS.outbound },
    admin: l.admin ?? { host: '0.0.0.0', port: PROXY_PORTS.admin },
  };
  if (inPort) {
    const inbound: NonNullable<ProxyConfigInput['listeners']['inbound']> = {
      ...(l.inbound ?? { host: '0.0.0.0', port: PROXY_PORTS.inbound }),
      app: { host: '127.0.0.1', port: inPort.targetPort },
    };
    // The service protects itself: Istio's local rate limit also sits in the receiving sidecar.
    if (service.resilience.rateLimit) inbound.rateLimit = tokenBucket(service.resilience.rateLimit);
    listeners.inbound = inbound;
  }

  const schema = options.schema === undefined ? SCHEMA_REF : options.schema;
  return {
    ...(schema === null ? {} : { $schema: schema }),
    version: 1,
    workload: {
      service: service.name,
      namespace: service.namespace,
      app: service.name,
      version: version.name,
      workloadName: workloadName(service, version),
    },
    listeners,
    services: table.list(),
    routes,
    observability: observabilityConfig(model, service),
  };
}

/**
 * Whether a route matches every request from `caller` (a clause without conditions other than a
 * universal path, and a source that is absent or the caller): then no catch-all is added after it.
 */
function catchesAll(route: Route, caller: Service): boolean {
  const clauses: Match[] = route.match.length === 0 ? [{}] : route.match;
  return clauses.some((m) => (!m.sourceService || serviceKey(m.sourceService) === serviceKey(caller)) && isCatchAllClause({ ...m, sourceService: undefined }));
}
