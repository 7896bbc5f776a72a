import { serviceFqdn, serviceKey } from '../../model/common';
import type { MeshModel } from '../../model/mesh';
import type { ModelIndex } from '../../model/query';
import type { Service, Version } from '../../model/service';
import type { ProxyConfigInput } from '../../proxy/config/schema';
import { isCatchAllClause } from '../../model/match';
import type { Match, Route } from '../../model/traffic';
import { workloadName } from '../../model/names';
import { PROXY_PORTS, SCHEMA_REF } from './constants';
import { kubernetesDiscovery, kubernetesResolver, type EndpointResolver } from './endpoints';
import { securityConfig } from './security';
import { furtherPortHosts, serviceHosts } from './hosts';
import { httpConfig } from './http';
import { observabilityConfig } from './observability';
import { inboundHttpPorts, proxiedPort, speaksHttp2 } from './ports';
import { proxiedRoutesOf } from './routes-by-destination';
import type { Report } from '../../diagnostics/reporter';
import { tokenBucket } from './resilience';
import { inboundFallbackInput, shapingInput, switchesConfig } from './degradation';
import { proxyRoutesOf, implicitRoute, type RouteInput, type RouteScope } from './routes';
import { ServiceTable, type TcpRouteInput } from './services';
import { inboundTcpListenersOf, tcpUpstreamListener, tcpUpstreamService, tcpUpstreamsOf } from './tcp';
import { meshUsesMtls, mtlsModeOf, spiffeIdOf } from './identity';

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
  report: Report,
  options: ProxyConfigOptions = {},
): ProxyConfigInput {
  const { model, index } = ctx;
  // In Kubernetes each subset's endpoints are its pods, found in DNS through the version's headless Service.
  const table = new ServiceTable(model, service.namespace, options.endpoints ?? kubernetesResolver(model), report, options.endpoints ? undefined : kubernetesDiscovery(model));
  const scope: RouteScope = { model, index, caller: service, table, report };

  // Called services first, in `calls` order: they own the host names the application uses.
  const called: Service[] = [];
  const proxyNames = new Map<string, string>();
  const tunnels: TcpRouteInput[] = [];
  for (const call of service.calls) {
    if (call.target.kind === 'external') {
      const name = call.target.name;
      const ext = model.externalServices.find((e) => e.name === name);
      // An unknown external service is the analyzer's error; a known one the proxy cannot carry is reported by the emitter (WEFT647).
      if (ext) {
        table.addExternal(ext);
        // TLS and TCP ports: reached by CONNECT through HTTPS_PROXY (wiring.ts), passed through.
        tunnels.push(...table.addExternalTunnels(ext));
      }
      continue;
    }
    const target = index.service(call.target.service);
    if (!target || called.some((c) => serviceKey(c) === serviceKey(target))) continue;
    called.push(target);
    const name = table.add(target, 'all', call);
    if (name !== undefined) proxyNames.set(serviceKey(target), name);
    // Each further HTTP/gRPC port: an entry of its own, reaching the pods' listener for that port.
    for (const { port } of inboundHttpPorts(target).slice(1)) table.add(target, 'all', call, port.port);
  }

  // Declared routes for the called hosts in declaration order, and a catch-all per called service
  // whose routes, as this caller sees them, leave requests unmatched; routes for exact hosts
  // before wildcard ones (Envoy picks the most specific virtual host first).
  const calledKeys = new Set(called.filter((c) => proxyNames.has(serviceKey(c))).map(serviceKey));
  const calledFqdns = new Set(called.map((c) => serviceFqdn(c, model.clusterDomain)));
  const declared: Array<{ route: RouteInput; wildcard: boolean }> = [];
  const caughtAll = new Set<string>();
  // Routes of services with an HTTP port (TCP-only ones have no HTTP path, WEFT670) owned by a called service or
  // naming a called service's host, from an index built once per environment (linear synth).
  // Further HTTP ports: each route's copy for the port (port-qualified hosts only), then the
  // port's catch-all; they come first, because the proxy matches a bare host (the first port's)
  // against an authority on any port.
  const furtherPorts: RouteInput[] = [];
  const reaching = proxiedRoutesOf(model).reaching(calledKeys, calledFqdns);
  for (const { owner, route, hosts } of reaching) {
    const compiled = proxyRoutesOf(scope, owner, route);
    if (compiled.length > 0 && catchesAll(route, service)) for (const h of hosts) caughtAll.add(h);
    for (const r of compiled) declared.push({ route: r, wildcard: route.hosts.some((h) => h.includes('*')) });
  }
  for (const target of called) {
    if (!proxyNames.has(serviceKey(target))) continue;
    for (const { port } of inboundHttpPorts(target).slice(1)) {
      let caught = false;
      for (const { owner, route, hosts } of reaching) {
        if (!hosts.includes(serviceFqdn(target, model.clusterDomain))) continue;
        const compiled = proxyRoutesOf(scope, owner, route, port.port);
        if (compiled.length > 0 && catchesAll(route, service)) caught = true;
        furtherPorts.push(...compiled);
      }
      const name = table.add(target, 'all', target, port.port);
      if (!caught && name !== undefined) furtherPorts.push(implicitRoute(scope, target, name, furtherPortHosts(model, target, port.port, service.namespace), port.port));
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
  const routes: RouteInput[] = [...furtherPorts, ...declared.filter((d) => !d.wildcard).map((d) => d.route), ...catchAlls, ...declared.filter((d) => d.wildcard).map((d) => d.route)];

  // TCP ports of called services: a local bind port each, carried over mTLS to the callee's inbound TCP listener (tcp.ts).
  // A taken bind port is reported once per service (limitations.ts WEFT668), not per version.
  const tcpUpstreams = tcpUpstreamsOf(service, called, () => undefined);
  const tcpServices = tcpUpstreams.map((u) =>
    tcpUpstreamService(model, u, meshUsesMtls(model) && mtlsModeOf(model, u.service) !== 'disable' ? { mode: 'ISTIO_MUTUAL', subjectAltNames: [spiffeIdOf(model, u.service)] } : undefined),
  );
  const tcpRoutes = [...tunnels, ...tcpUpstreams.map((u) => tcpUpstreamListener(u, service))];
  const inboundTcp = inboundTcpListenersOf(service);

  const inPort = proxiedPort(service);
  const l = options.listeners ?? {};
  const listeners: ProxyConfigInput['listeners'] = {
    outbound: {
      ...(l.outbound ?? { host: '127.0.0.1', port: PROXY_PORTS.outbound }),
      // With HTTPS_PROXY set (the workload calls TLS/TCP externals), other HTTPS calls come by
      // CONNECT too: they pass through unless deny-by-default, as the istio target's Sidecar
      // sets outboundTrafficPolicy ALLOW_ANY / REGISTRY_ONLY.
      ...(tunnels.length > 0 && model.security.authorization !== 'deny-by-default' ? { passthrough: true } : {}),
    },
    admin: l.admin ?? { host: '0.0.0.0', port: PROXY_PORTS.admin },
  };
  if (inPort) {
    const inbound: NonNullable<ProxyConfigInput['listeners']['inbound']> = {
      ...(l.inbound ?? { host: '0.0.0.0', port: PROXY_PORTS.inbound }),
      app: { host: '127.0.0.1', port: inPort.targetPort, ...(speaksHttp2(inPort) ? { protocol: 'http2' as const } : {}) },
      // Callers' proxies speak HTTP/2 to an http2 service.
      ...(speaksHttp2(inPort) ? { http2: true } : {}),
    };
    // The service protects itself: Istio's local rate limit also sits in the receiving sidecar.
    const limit = service.resilience.rateLimit;
    if (limit) {
      if (limit.mode === 'shape') inbound.shape = shapingInput(limit);
      else inbound.rateLimit = tokenBucket(limit);
      const fallback = inboundFallbackInput(service);
      if (fallback) inbound.fallback = fallback;
    }
    listeners.inbound = inbound;
    // Every further HTTP/gRPC port: an inbound listener of its own in front of its target port,
    // with the same service policies (each with its own token bucket, as each Envoy filter chain
    // has its own local rate limit).
    const further = inboundHttpPorts(service).slice(1);
    if (further.length > 0) {
      const { host: _host, port: _port, app: _app, http2: _http2, ...policies } = inbound;
      listeners.inboundPorts = further.map(({ port, listener }) => ({
        name: `${service.name}-${port.port}`,
        ...(l.inbound ? { host: l.inbound.host, port: 0 } : { host: '0.0.0.0', port: listener }),
        app: { host: '127.0.0.1', port: port.targetPort, ...(speaksHttp2(port) ? { protocol: 'http2' as const } : {}) },
        ...(speaksHttp2(port) ? { http2: true } : {}),
        ...structuredClone(policies),
      }));
    }
  }

  const security = securityConfig(ctx, service);
  if (security && !inPort) {
    // JWT needs HTTP; without any inbound listener the identity only serves outbound mTLS.
    delete security.jwt;
    delete security.jwtRequired;
    if (inboundTcp.length === 0) {
      delete security.authorization;
      if (security.mtls) security.mtls.mode = 'DISABLE';
    }
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
    services: [...table.list(), ...tcpServices],
    routes,
    ...(tcpRoutes.length > 0 ? { tcpListeners: tcpRoutes } : {}),
    ...(inboundTcp.length > 0 ? { inboundTcpListeners: inboundTcp } : {}),
    observability: observabilityConfig(model, service),
    ...httpConfig(model),
    ...(switchesConfig(model) ? { switches: switchesConfig(model) } : {}),
    ...(security ? { security } : {}),
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
