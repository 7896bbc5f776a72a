import type { MeshModel } from '../../model/mesh';
import type { Service } from '../../model/service';
import { outlierDetectionConfig } from './circuit-breaker';
import { proxiedPort } from './ports';
import type { Reporter } from './reporter';

/**
 * Declared features the Weft proxy (part 1) does not enforce, or enforces only partly, each a
 * diagnostic naming the feature, once per service (or gateway, external service, mesh). The
 * per-route limitations (retry-on classes, unreachable destinations, route rate limits) are
 * reported where the route is compiled.
 */
export function reportLimitations(model: MeshModel, reporter: Reporter): void {
  reportMeshSecurity(model, reporter);
  for (const service of model.services) {
    reportServiceSecurity(service, reporter);
    reportPorts(service, reporter);
    reportPerVersionEndpoints(service, reporter);
  }
  for (const gateway of model.gateways) {
    reporter.report(
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
    reporter.report(
      'WEFT647',
      ext,
      `calls to external service "${ext.name}" bypass the weft proxy because ${why}: the application connects directly, so egress to ${ext.hosts.join(', ')} is neither controlled nor observed by the mesh`,
      'this is expected for TLS origination by the application; egress control comes with the weft proxy part 2, or use the istio target',
    );
  }
  const provider = model.observability.tracing?.provider;
  if (provider !== undefined) {
    reporter.report(
      'WEFT654',
      { path: model.name },
      `tracing provider "${provider}" is not used by the weft proxy: it propagates W3C/B3 trace context and makes the sampling decision, but exports no spans`,
      'export spans from the applications (they receive the sampled flag in traceparent / x-b3-sampled)',
    );
  }
}

const SECURITY_HINT = 'the weft proxy enforces identity and authorization in part 2; use an istio or consul environment where they must hold';

/**
 * Mesh-wide security the proxy does not enforce yet, reported once where it is declared (the
 * Mesh) rather than once per service, so that the message points at the setting to change.
 */
function reportMeshSecurity(model: MeshModel, reporter: Reporter): void {
  const at = { path: model.name, location: model.location };
  const inherits = (pick: (s: Service) => boolean) => model.services.filter(pick).map((s) => s.name);
  const strictOrPermissive = inherits((s) => s.security.mtls === undefined);
  if (model.security.mtls !== 'disable' && strictOrPermissive.length > 0) {
    reporter.report(
      'WEFT640',
      at,
      `mesh-wide mTLS "${model.security.mtls}" is not enforced by the weft proxy yet (${strictOrPermissive.length} service${strictOrPermissive.length === 1 ? '' : 's'}): traffic between weft proxies is plaintext HTTP and peers are not authenticated`,
      SECURITY_HINT,
    );
  }
  if (model.security.authorization === 'deny-by-default' && model.services.length > 0) {
    reporter.report(
      'WEFT640',
      at,
      "deny-by-default authorization is not enforced by the weft proxy yet: callers' proxies route only their declared calls, but an inbound listener accepts every caller, so a client that bypasses its proxy is not stopped",
      SECURITY_HINT,
    );
  }
}

/** Per-service security the proxy does not enforce yet, each at its own declaration. */
function reportServiceSecurity(service: Service, reporter: Reporter): void {
  const mtls = service.security.mtls;
  if (mtls !== undefined && mtls !== 'disable') {
    reporter.report('WEFT640', service, `mTLS "${mtls}" of service "${service.name}" is not enforced by the weft proxy yet: peers are not authenticated`, SECURITY_HINT);
  }
  for (const rule of service.security.authorization) {
    reporter.report(
      'WEFT640',
      rule,
      `${rule.action} rule "${rule.name}" of service "${service.name}" is not enforced by the weft proxy yet: requests reach the application whatever their source`,
      SECURITY_HINT,
    );
  }
  for (const jwt of service.security.jwt) {
    reporter.report(
      'WEFT640',
      jwt,
      `JWT rule "${jwt.name}" of service "${service.name}" is not enforced by the weft proxy yet: requests reach the application with or without a valid token`,
      SECURITY_HINT,
    );
  }
}

/** gRPC/TCP ports and any port after the inbound one bypass the sidecar. */
function reportPorts(service: Service, reporter: Reporter): void {
  const inbound = proxiedPort(service);
  const bypass = service.ports.filter((p) => p !== inbound);
  if (bypass.length > 0) {
    const list = bypass.map((p) => `${p.port}/${p.protocol}`).join(', ');
    const reason = inbound
      ? `a workload has one inbound listener, in front of port ${inbound.port}, and the proxy carries HTTP/1.1 only`
      : 'the proxy carries HTTP/1.1 only';
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
    reporter.report(
      'WEFT643',
      service,
      `port${bypass.length > 1 ? 's' : ''} ${list} of service "${service.name}" bypass${bypass.length > 1 ? '' : 'es'} the weft proxy (${reason}): Kubernetes sends that traffic straight to the application${lost.length > 0 ? `, so these settings of "${service.name}" are not applied: ${lost.join(', ')}` : ''}`,
      inbound ? `serve HTTP on port ${inbound.port} if the mesh must see it, or accept that the other ports are unmanaged` : 'use the istio or consul target for gRPC and TCP services',
    );
  }
  if (inbound?.protocol === 'http2') {
    reporter.report(
      'WEFT644',
      service,
      `port ${inbound.port} of service "${service.name}" is declared http2, but the weft proxy speaks HTTP/1.1 to callers and to the application`,
      `make sure "${service.name}" also accepts HTTP/1.1 on port ${inbound.targetPort} (most h2c servers do), or declare the port http`,
    );
  }
}

/**
 * Until the proxy discovers pods, each subset is one endpoint (the per-version Service): the
 * proxy's load balancer and outlier detector work at version granularity, kube-proxy picks pods.
 */
function reportPerVersionEndpoints(service: Service, reporter: Reporter): void {
  if (!proxiedPort(service)) return;
  const r = service.resilience;
  if (r.loadBalancer) {
    const sticky = r.loadBalancer.policy === 'consistent-hash' ? ': requests with the same hash key reach the same version, but not the same pod' : '';
    reporter.report(
      'WEFT645',
      service,
      `load balancer "${r.loadBalancer.policy}" of service "${service.name}" chooses among versions only; within a version kube-proxy picks the pod${sticky}`,
      'this is the weft proxy part 1 behaviour (one endpoint per version); pod-level balancing comes with endpoint discovery in part 2',
    );
  }
  if (r.circuitBreaker && outlierDetectionConfig(r.circuitBreaker)) {
    reporter.report(
      'WEFT645',
      service,
      `outlier detection of service "${service.name}" counts errors per version, not per pod: an ejection takes a whole version out of rotation (at most ${r.circuitBreaker.maxEjectionPercent}% of the versions, and always at least one)`,
      'this is the weft proxy part 1 behaviour (one endpoint per version); per-pod ejection comes with endpoint discovery in part 2',
    );
  }
}
