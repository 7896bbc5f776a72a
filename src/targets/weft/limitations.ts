import type { MeshModel } from '../../model/mesh';
import type { Service } from '../../model/service';
import { proxiedPort } from './ports';
import type { Report } from '../../diagnostics/reporter';

/**
 * Declared features the Weft proxy does not enforce, or enforces only partly, each a
 * diagnostic naming the feature, once per service (or gateway, external service, mesh). The
 * per-route limitations (retry-on classes, unreachable destinations, route rate limits) are
 * reported where the route is compiled.
 */
export function reportLimitations(model: MeshModel, report: Report): void {
  for (const service of model.services) {
    reportServiceSecurity(model, service, report);
    reportPorts(service, report);
  }
  for (const gateway of model.gateways) {
    report(
      'WEFT646',
      gateway,
      `gateway "${gateway.name}" (${gateway.hosts.join(', ')}) and its ${gateway.routes.length} route(s) are not emitted for a weft environment: the weft target has no ingress gateway yet`,
      'reach the services through a Kubernetes Ingress or a port-forward in this environment, or use the istio target for the gateway',
    );
  }
  const calledExternals = new Set(model.services.flatMap((s) => s.calls.flatMap((c) => (c.target.kind === 'external' ? [c.target.name] : []))));
  for (const ext of model.externalServices) {
    if (!calledExternals.has(ext.name)) continue;
    const port = proxiedPort(ext);
    if (port && ext.resolution !== 'none') continue;
    const why = port ? 'its resolution is "none" (no address to forward to)' : `it speaks ${[...new Set(ext.ports.map((p) => p.protocol))].join('/')}, not plain HTTP (TLS is carried as TCP)`;
    report(
      'WEFT647',
      ext,
      `calls to external service "${ext.name}" bypass the weft proxy because ${why}: the application connects directly, so egress to ${ext.hosts.join(', ')} is neither controlled nor observed by the mesh`,
      'this is expected for TLS origination by the application; egress control comes with the weft proxy part 2, or use the istio target',
    );
  }
  const provider = model.observability.tracing?.provider;
  if (provider !== undefined && model.observability.tracing?.otlpEndpoint === undefined) {
    report(
      'WEFT654',
      { path: model.name },
      `tracing provider "${provider}" is not used by the weft proxy: a provider is a name in the mesh's own configuration, so the proxy propagates W3C/B3 trace context and samples, but exports no spans`,
      'set the mesh\'s tracing.otlpEndpoint (the collector\'s OTLP/HTTP traces URL) for the weft proxy to export its spans',
    );
  }
}

/**
 * mTLS, authorization and JWT are enforced by the inbound listener (security.ts). A service
 * without an HTTP port has no inbound listener: its traffic reaches the application directly,
 * so its declared security does not hold in a weft environment — reported at the declaration.
 */
function reportServiceSecurity(model: MeshModel, service: Service, report: Report): void {
  if (proxiedPort(service)) return;
  const hint = 'give the service an HTTP port so that its inbound listener enforces it, or use the istio or consul target for it';
  const ports = service.ports.map((p) => `${p.port}/${p.protocol}`).join(', ') || 'none';
  const mtls = service.security.mtls ?? model.security.mtls;
  if (mtls !== 'disable') {
    report('WEFT640', service, `mTLS "${mtls}" of service "${service.name}" is not enforced by the weft proxy: its ports (${ports}) bypass the sidecar, so callers reach it without a certificate`, hint);
  }
  if (model.security.authorization === 'deny-by-default') {
    report('WEFT640', service, `deny-by-default authorization of service "${service.name}" is not enforced by the weft proxy: its ports (${ports}) bypass the sidecar`, hint);
  }
  for (const rule of service.security.authorization) {
    report('WEFT640', rule, `${rule.action} rule "${rule.name}" of service "${service.name}" is not enforced by the weft proxy: its ports (${ports}) bypass the sidecar`, hint);
  }
  for (const jwt of service.security.jwt) {
    report('WEFT640', jwt, `JWT rule "${jwt.name}" of service "${service.name}" is not enforced by the weft proxy: its ports (${ports}) bypass the sidecar`, hint);
  }
}

/** gRPC/TCP ports and any port after the inbound one bypass the sidecar. */
function reportPorts(service: Service, report: Report): void {
  const inbound = proxiedPort(service);
  const bypass = service.ports.filter((p) => p !== inbound);
  if (bypass.length > 0) {
    const list = bypass.map((p) => `${p.port}/${p.protocol}`).join(', ');
    const kinds = new Set(bypass.map((p) => p.protocol));
    const why = [
      ...(kinds.has('grpc') ? ['gRPC clients reach a proxy only through HTTP CONNECT, which the outbound listener does not serve yet'] : []),
      ...(kinds.has('tcp') ? ['the weft proxy has no TCP routes yet'] : []),
    ].join('; ');
    const reason = inbound ? `a workload has one inbound listener, in front of port ${inbound.port}${why ? `; ${why}` : ''}` : why;
    const r = service.resilience;
    const lost = inbound
      ? []
      : [
          ...(service.routes.length > 0 ? ['routes'] : []),
          ...(r.timeoutMs !== undefined ? ['timeout'] : []),
          ...(r.retries ? ['retries'] : []),
          ...(r.fault ? ['fault injection'] : []),
          ...(r.circuitBreaker ? ['circuit breaker'] : []),
          ...(r.loadBalancer ? ['load balancer'] : []),
          ...(r.rateLimit ? ['rate limit'] : []),
        ];
    report(
      'WEFT643',
      service,
      `port${bypass.length > 1 ? 's' : ''} ${list} of service "${service.name}" bypass${bypass.length > 1 ? '' : 'es'} the weft proxy (${reason}): Kubernetes sends that traffic straight to the application${lost.length > 0 ? `, so these settings of "${service.name}" are not applied: ${lost.join(', ')}` : ''}`,
      inbound ? `serve HTTP on port ${inbound.port} if the mesh must see it, or accept that the other ports are unmanaged` : 'use the istio or consul target for gRPC and TCP services',
    );
  }
}
