import type { CodeInfo } from '../../diagnostics/codes';

/**
 * Codes the `weft` target reports: declared features the Weft proxy (part 1) cannot enforce, or
 * can enforce only partly, and problems with the objects it writes. Range WEFT640–WEFT659 and WEFT666–WEFT689 (see
 * src/diagnostics/codes.ts). docs/proxy-target.md explains each one.
 */
export const WEFT_CODES = {
  /** mTLS, authorization or JWT of a service without an HTTP or TCP port (no inbound listener enforces them), and JWT of a TCP-only service. */
  WEFT640: { severity: 'warning', title: 'security of a service without inbound listener not enforced' },
  /** A retry-on class outside the proxy's set (`5xx`, `gateway-error`, `reset`, `connect-failure`, `retriable-4xx`, `retriable-status-codes`). */
  WEFT641: { severity: 'warning', title: 'retry-on class not supported by the weft proxy' },
  /** The proxy caps `attempts` at 10. */
  WEFT642: { severity: 'warning', title: 'retry attempts above the weft proxy maximum' },
  /** Calls to an external service that the outbound proxy cannot carry (resolution `none` with no address to reach). */
  WEFT647: { severity: 'warning', title: 'external call bypasses the weft proxy' },
  /** A route rate limit is a bucket in each caller's outbound proxy, not in each receiving instance. */
  WEFT648: { severity: 'info', title: 'route rate limit enforced per calling instance' },
  /** A route whose destination or mirror the proxy cannot reach (non-proxied service, a port other than the proxied one). */
  WEFT649: { severity: 'warning', title: 'route destination not reachable through the weft proxy' },
  /** Route-level timeout, retries or mirror on a redirect or direct response. */
  WEFT650: { severity: 'warning', title: 'route setting without effect on a non-forwarding route' },
  /** The per-version Service `<service>-<version>` clashes with a declared service or is not a DNS label. */
  WEFT651: { severity: 'error', title: 'per-version Service name unusable' },
  /** Two services one workload calls share a short name; the proxy names services by short name. */
  WEFT652: { severity: 'warning', title: 'called services share a short name' },
  /** The emitted proxy config fails the proxy's own schema or cross-reference checks. */
  WEFT653: { severity: 'error', title: 'emitted proxy config is invalid' },
  /** A tracing provider without `otlpEndpoint`: the proxy propagates trace context and samples, but has no collector to export spans to. */
  WEFT654: { severity: 'warning', title: 'tracing provider not used by the weft proxy' },
  /** A called service without versions has no subset and cannot be routed to. */
  WEFT655: { severity: 'warning', title: 'called service has no versions' },
  /** A gateway route and a route of the service behind it cannot be merged into one proxy route (gateway-routes.ts). */
  WEFT666: { severity: 'warning', title: 'service routes not applied behind a gateway route' },
  /** TLS/TCP calls to an external service go through the proxy by CONNECT, for clients that honour HTTPS_PROXY. */
  WEFT667: { severity: 'info', title: 'external TLS/TCP calls proxied through HTTPS_PROXY' },
  /** A TCP upstream's local bind port (the service port on 127.0.0.1) is taken in the calling pod. */
  WEFT668: { severity: 'warning', title: 'local bind port of a TCP upstream unavailable' },
  /** Plain-TCP clients reach TCP services through local bind ports, announced in WEFT_UPSTREAM_* variables. */
  WEFT669: { severity: 'info', title: 'TCP calls proxied through local bind ports' },
  /** Settings of a TCP-only service with no TCP meaning (timeout, retries, fault, rate limit, HTTP route conditions, request limits, non-round-robin balancing), and non-round-robin balancing on the TCP ports of a mixed service; TCP routes, ejection and maxConnections apply. */
  WEFT670: { severity: 'warning', title: 'settings of a TCP service not applied by the weft proxy' },
  /** A `rate-limited` fallback that the inbound listener, where the service's own rate limit rejects, cannot give: a fallback `to` another service, or a caller's own call fallback (docs/degradation.md). */
  WEFT671: { severity: 'warning', title: 'rate-limited fallback not applied to the service rate limit' },
} as const satisfies Record<string, CodeInfo>;

export type WeftCode = keyof typeof WEFT_CODES;
