/**
 * The verification plan: every declared behaviour of one environment as checks with probes and
 * expected outcomes, derived from the MeshModel (./derive.ts) — there is no hand-written list.
 */
import type { ServiceRef } from '../../model/common';
import type { HeaderOperations } from '../../model/traffic';
import type { CheckKind, Declaration, NotVerified } from '../report';
import type { DegradationCase, RatioBreakerCycle, SwitchFlip } from './degradation';

/** One HTTP request a probe sends (path includes the query string). */
export interface ProbeRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
}

/** Where probes enter the mesh: a calling service's own outbound proxy (its identity). */
export interface Via {
  /** The calling service; for a gateway probe, the gateway (namespace, name). */
  caller: ServiceRef;
  /**
   * A probe of a gateway route: sent straight to the ingress gateway (the target URL, or the
   * local mesh's gateway server) with `authority` as Host (and SNI over https), not through a
   * probe client or a caller's proxy.
   */
  gateway?: boolean;
  /** A gateway probe's scheme: which of the gateway's servers takes it (https: the TLS server; http: the plain or redirecting one). */
  scheme?: 'http' | 'https';
  /**
   * A gateway probe whose Host is not a declared host: the declared host its server certificate
   * is checked against (the TLS connection is the gateway's; only the virtual host is missed).
   */
  certificateHost?: string;
  /** A probe of a MUTUAL gateway sent without the client certificate the local mesh issues for the verifier. */
  anonymousClient?: boolean;
  /** Host header: the callee as the caller addresses it. */
  authority: string;
  /**
   * The callee authenticates requests with JWT: every probe carries a valid token of this
   * issuer (signed by the local mesh's key, which replaces the declared JWKS locally), so that
   * routing and resilience are checked behind authentication; the JWT check itself varies it.
   */
  token?: TokenSpec;
}

export interface TokenSpec {
  issuer: string;
  audience?: string;
  /** Header carrying the token and its prefix (`authorization`, `Bearer `), or a query parameter. */
  header?: string;
  prefix?: string;
  param?: string;
}

/** What the mesh must do with a request, as the model says. */
export type Outcome =
  | {
      kind: 'forward';
      /** `<service>.<ns>/<route>` or `<service>.<ns>/(default)`: the route that matches. */
      route: string;
      service: ServiceRef;
      /** Versions and weights (sum 100); `version` undefined = any version of the service. */
      destinations: { version?: string; weight: number }[];
      requestHeaders?: HeaderOperations;
      responseHeaders?: HeaderOperations;
      /** The path (and authority) the echo must see after a rewrite. */
      rewrittenPath?: string;
      rewrittenAuthority?: string;
      /** A fault on the route makes some answers local (aborted) — such answers are resent. */
      abortStatus?: number;
    }
  | { kind: 'redirect'; route: string; status: number; path?: string; authority?: string; scheme?: string }
  | { kind: 'direct-response'; route: string; status: number; body?: string };

/** A request with its expected outcome, repeated `repeat` times (enough to tell it from the alternative). */
export interface RoutingProbe {
  name: string;
  request: ProbeRequest;
  expected: Outcome;
  repeat: number;
  /**
   * When every answer the wrong route would give is also one the right route may give (a near
   * miss whose route reaches the version the default also reaches), single answers cannot tell
   * them apart: the probe then fails when *all* `repeat` answers look like this alternative —
   * `repeat` is chosen so that the right route does that with probability ≤ 0.001.
   */
  alternative?: Outcome;
}

export interface RetrySpec {
  /** Retries after the first try. */
  attempts: number;
  /** Probes: query controls → expected total attempts (Σ arrivals at the destination instances), min..max. */
  cases: { name: string; method: string; controls: string; attempts: { min: number; max: number } }[];
}

export interface TimeoutSpec {
  declaredMs: number;
  /** What the caller should observe: min(timeout, tries × per-try + back-off). */
  expectedMs: number;
  toleranceMs: number;
  controls: string;
}

export interface ProportionSpec {
  outcome: string;
  expected: number;
}

export type CheckSpec =
  | { type: 'routing'; probes: RoutingProbe[] }
  | {
      type: 'split';
      requests: ProbeRequest[];
      service: ServiceRef;
      weights: { version: string; weight: number }[];
      tests: ProportionSpec[];
      /** Probes are gRPC calls of the echo service (../drive/grpc-probe.ts), or TCP connections through `listener` (../drive/tcp-probe.ts). @default HTTP requests */
      protocol?: 'grpc' | 'tcp';
      listener?: string;
    }
  | { type: 'retries'; request: ProbeRequest; service: ServiceRef; instances: number; retry: RetrySpec }
  | { type: 'timeout'; request: ProbeRequest; instances: number; timeout: TimeoutSpec }
  | {
      /** Retry-on connect-failure: probes through a second outbound proxy of the caller whose endpoints of the callee refuse connections (../drive/refusing-caller.ts). */
      type: 'connect-failure';
      request: ProbeRequest;
      service: ServiceRef;
      /** Retries after the first try. */
      attempts: number;
      /** Probes of the `one refusing endpoint` case (the `all refuse` case sends 2). */
      probes: number;
      /** Probes are gRPC calls of the echo service (a gRPC callee). */
      grpc?: boolean;
    }
  | {
      type: 'fault';
      requests: ProbeRequest[];
      abort?: { status: number; percent: number };
      delay?: { fixedDelayMs: number; percent: number };
      tests: ProportionSpec[];
    }
  | { type: 'mirror'; requests: ProbeRequest[]; mirror: ServiceRef & { version?: string }; percent: number; tests: ProportionSpec[] }
  | {
      type: 'rate-limit';
      request: ProbeRequest;
      scope: 'route' | 'service';
      /** Token buckets that serve these probes (one per caller instance or receiving instance). */
      buckets: number;
      /** Service scope: probes go straight to one receiving instance (its own bucket), with the caller's identity. */
      direct?: boolean;
      /** Service scope: the instances the probe's route reaches (each its own bucket), for probes sent through a sidecar instead (cluster mode). */
      receivers?: number;
      burst: number;
      requests: number;
      perMs: number;
    }
  | {
      type: 'circuit-breaker';
      request: ProbeRequest;
      service: ServiceRef;
      /** Requests the pool admits at once: maxConnections (+ maxPendingRequests), or maxRequests. */
      admitted?: number;
      /** How long the echo holds each probe: long enough to fill the pool, short enough that a queued probe meets no per-try timeout. */
      holdMs: number;
      instances: number;
      outlier?: { consecutive: number; status: number; baseEjectionMs: number; intervalMs: number };
    }
  | {
      type: 'outlier';
      request: ProbeRequest;
      service: ServiceRef;
      /** The version whose instance is made to fail (it keeps enough healthy hosts to stay out of panic mode). */
      version: string;
      /** Consecutive failures (503 counts as 5xx and as a gateway error) that eject a host. */
      consecutive: number;
      baseEjectionMs: number;
      intervalMs: number;
      /** Instances the probe route reaches (probes after the ejection: 10 per instance). */
      instances: number;
      /** Check the return after baseEjection (+ one interval): only when that fits the verifier's bound. */
      recovery: boolean;
    }
  | {
      /** gRPC calls of the echo's Echo/Call through the caller's proxy reach the route the model says (./grpc.ts). */
      type: 'grpc-route';
      service: ServiceRef;
      route: string;
      versions?: string[];
      calls: number;
    }
  | {
      /** Retry-on gRPC classes: attempts the callee's echoes saw for a call failing with each status. */
      type: 'grpc-retries';
      service: ServiceRef;
      cases: { name: string; status: number; attempts: { min: number; max: number } }[];
    }
  | { type: 'grpc-timeout'; service: ServiceRef; timeout: TimeoutSpec; delayMs: number }
  | {
      /** The connection limit (breaker maxConnections) of a TCP route: connections past it are closed at once (./tcp.ts). */
      type: 'tcp-limit';
      service: ServiceRef;
      listener: string;
      limit: number;
    }
  | {
      /** TCP connections through the caller's outbound TCP listener reach the route's versions, bytes both ways (./tcp.ts). */
      type: 'tcp-route';
      service: ServiceRef;
      listener: string;
      route: string;
      versions?: string[];
      connections: number;
    }
  | ({ type: 'mtls'; service: ServiceRef; mode: 'strict' | 'permissive' | 'disable'; request: ProbeRequest; control?: ServiceRef } & StreamProtocol)
  | ({ type: 'authorization'; service: ServiceRef; cells: AuthzProbe[] } & StreamProtocol)
  | { type: 'jwt'; service: ServiceRef; caller: ServiceRef; request: ProbeRequest; cases: JwtCase[] }
  | {
      type: 'load-balancer';
      request: ProbeRequest;
      service: ServiceRef;
      policy: 'round-robin' | 'random' | 'least-request' | 'consistent-hash';
      hashHeader?: string;
      hashCookie?: string;
      instances: number;
      /** least-request: how long the held instance keeps each request (echo `delay` with `only`). */
      holdMs?: number;
    }
  | { type: 'fallback'; request: ProbeRequest; cases: DegradationCase[] }
  | ({ type: 'ratio-breaker'; request: ProbeRequest } & RatioBreakerCycle)
  | ({ type: 'switch-flip'; request: ProbeRequest } & SwitchFlip)
  /** A MUTUAL gateway server refuses a client without a certificate at the TLS handshake (../drive/checks/gateway-mtls.ts). */
  | { type: 'gateway-mtls'; request: ProbeRequest };

/**
 * mTLS and authorization of a service without an HTTP port (./stream-security.ts): probes are
 * gRPC calls of the echo service or raw TCP connections instead of HTTP/1.1 requests.
 * @default HTTP/1.1 (no protocol)
 */
export type StreamProtocol =
  | { protocol?: undefined }
  | { protocol: 'grpc' }
  | {
      protocol: 'tcp';
      /** The callee's inbound TCP listener (its name in the callee's config, `<service>-<port>`). */
      inboundListener: string;
      /** The callers' outbound TCP listener for the callee (`<ns>/<service>:<port>`). */
      listener: string;
    };

/** One cell of the authorization matrix, sent straight to the callee's inbound listener with the caller's certificate. */
export interface AuthzProbe {
  name: string;
  /** Caller identity (its workload certificate); undefined = no identity (plaintext). */
  caller?: ServiceRef;
  /**
   * gRPC and TCP cells of a caller that declares calls to the callee go through that caller's own
   * outbound proxy (its identity, its routes); other identities have no route there, so their
   * cells go straight to the inbound listener with their certificate.
   */
  throughProxy?: boolean;
  request: ProbeRequest;
  /** Claims of the token the probe carries, beyond iss/aud/sub (jwtClaims rules). */
  claims?: Record<string, string[]>;
  allowed: boolean;
  because: string;
}

export type JwtCaseKind = 'valid' | 'expired' | 'not-yet-valid' | 'wrong-issuer' | 'wrong-audience' | 'bad-signature' | 'alg-none' | 'missing';

export interface JwtCase {
  kind: JwtCaseKind;
  /** 401 for a rejected token; for `missing` without `required`, the request passes. */
  accepted: boolean;
}

export interface PlannedCheck {
  id: string;
  kind: CheckKind;
  title: string;
  declaration: Declaration;
  via: Via;
  /** Probes this check sends (planned). */
  probes: number;
  /** Requests per second the declared rate limits on the path allow these probes (undefined = unlimited). */
  rateCap?: number;
  /** Probes in flight at once: below the callee's connection pool limits, which would otherwise answer 503 UO. */
  concurrency?: number;
  /** Expected behaviour in one line (printed by --plan, copied to the report). */
  expectation: string;
  /**
   * Lanes run in parallel; a lane is the service whose state the check uses (token buckets,
   * connection pools, outlier counters), so checks that would bias each other never overlap.
   * Within a lane: `exclusive` checks (rate limits: they drain buckets) run first, one by one;
   * then the `statistical` ones together, alongside `deterministic` then `disruptive` ones one by
   * one — unless the lane is `isolated` (the service has a circuit breaker, whose outlier state
   * failures would change), where all three run strictly one group after the other.
   */
  lane: string;
  phase: 'exclusive' | 'statistical' | 'deterministic' | 'disruptive';
  /**
   * Token buckets the probes draw from (`route-bucket:<route>`, `inbound-bucket:<service>:<version>`):
   * a statistical check whose buckets no exclusive check drains runs alongside the exclusive ones.
   */
  resources?: string[];
  isolated?: boolean;
  /**
   * Cluster mode on a mesh other than weft: the check is judged by the response flags the overlay
   * makes Envoy report in `x-weft-response-flags` (src/targets/istio/response-flags-envoy-filter.ts).
   * When no reply of the check carried that header, its failed assertions are inconclusive
   * (the cluster does not run that part of the overlay), never failed or passed on a guess.
   */
  flagsFromOverlay?: boolean;
  spec: CheckSpec;
}

export interface Plan {
  mesh: string;
  environment: string;
  familyAlpha: number;
  power: number;
  detectableDeviation: number;
  /** Statistical tests in the family (Holm's m). */
  statisticalTests: number;
  checks: PlannedCheck[];
  notVerified: NotVerified[];
}
