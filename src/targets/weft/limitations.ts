import type { MeshModel } from '../../model/mesh';
import type { Service } from '../../model/service';
import { proxiedPort } from './ports';
import { isTunneledExternal } from './services';
import { calledServicesOf, inboundTcpPorts, tcpUpstreamsOf, upstreamEnvName } from './tcp';
import { tcpSettingsNotApplied } from './tcp-policy';
import type { ModelIndex } from '../../model/query';
import type { Report } from '../../diagnostics/reporter';

/**
 * Declared features the Weft proxy does not enforce, or enforces only partly, each a
 * diagnostic naming the feature, once per service (or external service, mesh). The
 * per-route limitations (retry-on classes, unreachable destinations, route rate limits) are
 * reported where the route is compiled.
 */
export function reportLimitations(model: MeshModel, report: Report, index: ModelIndex): void {
  for (const service of model.services) {
    reportServiceSecurity(model, service, report);
    reportTcpOnlySettings(service, report);
    reportTcpUpstreams(index, service, report);
  }
  const calledExternals = new Set(model.services.flatMap((s) => s.calls.flatMap((c) => (c.target.kind === 'external' ? [c.target.name] : []))));
  for (const ext of model.externalServices) {
    if (!calledExternals.has(ext.name)) continue;
    const port = proxiedPort(ext);
    if (isTunneledExternal(ext)) {
      report(
        'WEFT667',
        ext,
        `calls to external service "${ext.name}" on ${ext.ports.filter((p) => p.protocol === 'tcp').map((p) => p.port).join(', ')} go through the weft proxy by HTTP CONNECT (HTTPS_PROXY), TLS passed through to ${ext.hosts.join(', ')}: only clients that honour HTTPS_PROXY use it (curl, Go, Python, Java with -Dhttps.proxyHost; not Node's https module by default)`,
        "make sure the calling application's HTTP client reads HTTPS_PROXY, or its calls bypass the mesh",
      );
      if (!port || ext.resolution !== 'none') continue;
    } else if (port && ext.resolution !== 'none') continue;
    const why = port ? 'its resolution is "none" (no address to forward to)' : `its hosts (${ext.hosts.join(', ')}) include a wildcard and its resolution is "none": there is no address to pass TLS through to`;
    report(
      'WEFT647',
      ext,
      `calls to external service "${ext.name}" bypass the weft proxy because ${why}: the application connects directly, so egress to ${ext.hosts.join(', ')} is neither controlled nor observed by the mesh`,
      'declare the external hosts without a wildcard, or with resolution "dns" or "static", or use the istio target',
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
 * mTLS, authorization and JWT are enforced by the inbound listeners (security.ts): HTTP, and one
 * per TCP port (tcp.ts), which enforce mTLS and authorization at L4 but cannot read a JWT. A
 * service with neither has no inbound listener: its traffic reaches the application directly,
 * so its declared security does not hold in a weft environment — reported at the declaration.
 */
function reportServiceSecurity(model: MeshModel, service: Service, report: Report): void {
  if (proxiedPort(service)) return;
  const ports = service.ports.map((p) => `${p.port}/${p.protocol}`).join(', ') || 'none';
  if (inboundTcpPorts(service).length > 0) {
    for (const jwt of service.security.jwt) {
      report('WEFT640', jwt, `JWT rule "${jwt.name}" of service "${service.name}" is not enforced by the weft proxy: its ports (${ports}) are TCP, and a token travels in HTTP`, 'give the service an HTTP port for its authenticated traffic, or remove the JWT rule');
    }
    return;
  }
  const hint = 'give the service an HTTP or gRPC port so that its inbound listener enforces it, or use the istio or consul target for it';
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

/**
 * Every port of a service is behind the sidecar (one inbound listener per HTTP/gRPC port, one
 * inbound TCP listener per TCP port). A TCP-only service's callers apply its TCP routes (weighted
 * versions), outlier detection and connection limit (tcp-policy.ts); what has no TCP meaning is
 * named here.
 */
function reportTcpOnlySettings(service: Service, report: Report): void {
  if (inboundTcpPorts(service).length === 0) return;
  // A service with HTTP ports too applies its HTTP settings there; only the balancing of its TCP ports differs.
  const lb = service.resilience.loadBalancer;
  const lost = proxiedPort(service) ? (lb && lb.policy !== 'round-robin' ? [`load balancer "${lb.policy}" on its TCP ports (TCP connections go round robin)`] : []) : tcpSettingsNotApplied(service);
  if (lost.length === 0) return;
  report(
    'WEFT670',
    service,
    `these settings of ${proxiedPort(service) ? '' : 'TCP '}service "${service.name}" are not applied by the weft proxy, whose TCP path applies weighted routes to versions, outlier detection and connection limits but no HTTP policy: ${lost.join(', ')}`,
    `remove them from "${service.name}"; on a TCP service only forwarding routes without HTTP conditions, circuit breaker ejection and maxConnections, and round robin apply`,
  );
}

/**
 * A client of a TCP service reaches it through a local bind port (tcp.ts), not through the
 * service's address: under STRICT mTLS a direct connection is closed by the callee's inbound
 * TCP listener. Said once per calling service, with the addresses its application gets.
 */
function reportTcpUpstreams(index: ModelIndex, service: Service, report: Report): void {
  const upstreams = tcpUpstreamsOf(service, calledServicesOf(index, service), report);
  if (upstreams.length === 0) return;
  const list = upstreams.map((u) => `${upstreamEnvName(u.service, u.port)}=127.0.0.1:${u.bindPort} (${u.service.name}:${u.port.port})`).join(', ');
  report(
    'WEFT669',
    service,
    `TCP calls of "${service.name}" go through local bind ports of its weft proxy, which carry them over mTLS to the callee's inbound TCP listener: ${list}`,
    `make the application of "${service.name}" connect to these addresses (the environment variables hold them), not to the service's own address`,
  );
}
