import { z } from 'zod';
import { durationPropSchema, percentPropSchema, positiveDurationSchema } from './common';
import { headerNameSchema } from './networking';
import type { RetryOn } from '../../model/resilience';
import { DEFAULTS } from './defaults';
import { fallbackPropsSchema, ratioBreakerPropsSchema } from './degradation';

/**
 * Retries of a failed request.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRetry
 */
export const retriesPropsSchema = z
  .object({
    /** Retries after the first try (a count). @default 2 (Istio's default) */
    attempts: z.number().int().min(0).max(2_147_483_647).default(DEFAULTS.retries.attempts),
    /** Timeout of each try: a duration (`'500ms'`). @default the route timeout */
    perTryTimeout: durationPropSchema.optional(),
    /**
     * When to retry: Envoy retry-on classes.
     * @default ['5xx', 'gateway-error', 'reset', 'connect-failure']
     * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter#x-envoy-retry-on
     */
    on: z.array(z.custom<RetryOn | (string & {})>((v) => typeof v === 'string')).default([...DEFAULTS.retries.on]),
    /**
     * HTTP status codes retried in addition (implies the `retriable-status-codes` class).
     * @default none
     * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter#x-envoy-retriable-status-codes
     */
    statusCodes: z.array(z.number().int().min(100).max(599)).optional(),
    /**
     * Jittered exponential backoff between tries: `base` and `max` are durations.
     * @default base 25ms, max 250ms (Envoy's defaults, applied by the mesh)
     * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#config-route-v3-retrypolicy-retrybackoff
     */
    backoff: z
      .object({
        /** First backoff interval, a duration. Required. */
        base: durationPropSchema,
        /** Longest backoff interval, a duration. Required. */
        max: durationPropSchema,
      })
      .optional(),
    /**
     * Also retry non-idempotent methods (POST, PATCH); targets that cannot tell methods apart
     * say so with a diagnostic.
     * @default false
     * @see docs/constructs.md#resilience
     */
    retryNonIdempotent: z.boolean().optional(),
  })
  .strict()
  .transform((r) => ({
    attempts: r.attempts,
    perTryTimeoutMs: r.perTryTimeout,
    on: r.statusCodes?.length && !r.on.includes('retriable-status-codes') ? [...r.on, 'retriable-status-codes'] : r.on,
    retriableStatusCodes: r.statusCodes,
    backoff: r.backoff ? { baseMs: r.backoff.base, maxMs: r.backoff.max } : undefined,
    retryNonIdempotent: r.retryNonIdempotent,
  }));
export type RetriesProps = z.input<typeof retriesPropsSchema>;

/**
 * Outlier detection and connection limits for calls to this service.
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#OutlierDetection
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#ConnectionPoolSettings
 */
export const circuitBreakerPropsSchema = z
  .object({
    /**
     * Eject an endpoint after this many consecutive 5xx responses (a count).
     * @default none (no 5xx ejection)
     * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#OutlierDetection (consecutive5xxErrors)
     */
    consecutive5xx: z.number().int().positive().optional(),
    /**
     * Eject after this many consecutive 502/503/504 or connection failures (a count).
     * @default none
     * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#OutlierDetection (consecutiveGatewayErrors)
     */
    consecutiveGatewayErrors: z.number().int().positive().optional(),
    /** How often ejection is evaluated, a duration. @default 10s @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#OutlierDetection (interval) */
    interval: positiveDurationSchema.prefault(DEFAULTS.circuitBreaker.interval),
    /** Ejection time, a duration; grows with each repeat ejection. @default 30s @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#OutlierDetection (baseEjectionTime) */
    baseEjection: durationPropSchema.prefault(DEFAULTS.circuitBreaker.baseEjection),
    /** Share of endpoints that may be ejected at once, in percent. @default 10 (Envoy) @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#OutlierDetection (maxEjectionPercent) */
    maxEjectionPercent: percentPropSchema.default(DEFAULTS.circuitBreaker.maxEjectionPercent),
    /**
     * Max TCP connections to the service (a count).
     * @default none (the mesh's own limit)
     * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#ConnectionPoolSettings-TCPSettings (maxConnections)
     */
    maxConnections: z.number().int().positive().optional(),
    /**
     * Max requests waiting for a connection (a count).
     * @default none (the mesh's own limit)
     * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#ConnectionPoolSettings-HTTPSettings (http1MaxPendingRequests)
     */
    maxPendingRequests: z.number().int().positive().optional(),
    /**
     * Max concurrent requests (a count).
     * @default none (the mesh's own limit)
     * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#ConnectionPoolSettings-HTTPSettings (http2MaxRequests)
     */
    maxRequests: z.number().int().positive().optional(),
    /**
     * Requests per connection before it is closed (a count).
     * @default none (unlimited)
     * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#ConnectionPoolSettings-HTTPSettings (maxRequestsPerConnection)
     */
    maxRequestsPerConnection: z.number().int().positive().optional(),
    /**
     * Below this share of healthy endpoints, load balancing ignores health and uses them all, in
     * percent (Envoy's panic threshold; 0 disables panic mode).
     * @default none (Envoy: 50)
     * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#OutlierDetection (minHealthPercent)
     */
    minHealthPercent: percentPropSchema.optional(),
    /**
     * A failure-ratio breaker with half-open probing (weft proxy; Istio: nearest outlier detection and a diagnostic).
     * @default none
     * @see https://resilience4j.readme.io/docs/circuitbreaker
     */
    ratio: ratioBreakerPropsSchema.optional(),
  })
  .strict()
  .transform(({ interval, baseEjection, ...rest }) => ({ ...rest, intervalMs: interval, baseEjectionMs: baseEjection }));
export type CircuitBreakerProps = z.input<typeof circuitBreakerPropsSchema>;

/**
 * A local token-bucket rate limit, enforced by each receiving instance.
 * @see https://istio.io/latest/docs/tasks/policy-enforcement/rate-limit/#local-rate-limit
 */
export const rateLimitPropsSchema = z
  .object({
    /** Requests (tokens) added per `per`. Required. @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/type/v3/token_bucket.proto (tokens_per_fill) */
    requests: z.number().int().positive(),
    /** The refill interval, a duration. @default 1s @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/type/v3/token_bucket.proto (fill_interval) */
    per: positiveDurationSchema.prefault(DEFAULTS.rateLimit.per),
    /** Bucket size, in requests. @default requests @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/type/v3/token_bucket.proto (max_tokens) */
    burst: z.number().int().positive().optional(),
    /**
     * `reject`: a token bucket, excess gets 429. `shape`: a leaky bucket (weft proxy), excess
     * waits in a queue of `maxQueue` and leaves at the rate; overflow gets 429.
     * @default 'reject'
     * @see https://en.wikipedia.org/wiki/Leaky_bucket#As_a_queue
     */
    mode: z.enum(['reject', 'shape']).default(DEFAULTS.rateLimit.mode),
    /** Requests waiting at most in `shape` mode (a count). @default burst */
    maxQueue: z.number().int().nonnegative().optional(),
  })
  .strict()
  .transform((r) => ({
    requests: r.requests,
    perMs: r.per,
    burst: r.burst ?? r.requests,
    ...(r.mode === 'shape' ? { mode: 'shape' as const, maxQueue: r.maxQueue ?? r.burst ?? r.requests } : {}),
  }));
export type RateLimitProps = z.input<typeof rateLimitPropsSchema>;

/** @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#LoadBalancerSettings */
export const loadBalancerPropsSchema = z.union([
  z
    .object({
      /** The simple policies. Required. @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#LoadBalancerSettings-SimpleLB */
      policy: z.enum(['round-robin', 'least-request', 'random']),
    })
    .strict(),
  z
    .object({
      /** Consistent hashing: requests with the same key go to the same endpoint. Required. @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#LoadBalancerSettings-ConsistentHashLB */
      policy: z.literal('consistent-hash'),
      /**
       * Hash on this request header. Exactly one of `header`, `cookie`, `sourceIp` and `query`.
       * @default none
       * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#LoadBalancerSettings-ConsistentHashLB (httpHeaderName)
       */
      header: headerNameSchema.optional(),
      /**
       * Hash on this cookie. When a request has none, the proxy generates it (Set-Cookie) so that
       * the client sticks to one endpoint from its next request on: for `ttl`, else as a session
       * cookie.
       * @default none
       * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#LoadBalancerSettings-ConsistentHashLB-HTTPCookie
       */
      cookie: z
        .object({
          /** Cookie name. Required. */
          name: z.string(),
          /** Lifetime of the generated cookie, a duration. @default a session cookie (no Max-Age; Istio `ttl: 0s`, Consul `session: true`) */
          ttl: durationPropSchema.optional(),
          /** Path of a generated cookie. @default none */
          path: z.string().optional(),
        })
        .optional(),
      /**
       * Hash on the client's IP address.
       * @default none
       * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#LoadBalancerSettings-ConsistentHashLB (useSourceIp)
       */
      sourceIp: z.literal(true).optional(),
      /**
       * Hash on this query parameter.
       * @default none
       * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#LoadBalancerSettings-ConsistentHashLB (httpQueryParameterName)
       */
      query: z.string().optional(),
      /** Virtual nodes on the ring. @default 1024 (Envoy) */
      ringSize: z.number().int().positive().optional(),
    })
    .strict()
    .superRefine((v, ctx) => {
      const n = [v.header, v.cookie, v.sourceIp, v.query].filter((x) => x !== undefined).length;
      if (n !== 1) ctx.addIssue({ code: 'custom', message: 'consistent-hash needs exactly one of header, cookie, sourceIp or query' });
    })
    .transform((v) => ({
      policy: 'consistent-hash' as const,
      ringSize: v.ringSize,
      hashOn:
        v.header !== undefined
          ? { kind: 'header' as const, name: v.header }
          : v.cookie !== undefined
            ? { kind: 'cookie' as const, name: v.cookie.name, ttlMs: v.cookie.ttl, path: v.cookie.path }
            : v.query !== undefined
              ? { kind: 'query' as const, name: v.query }
              : { kind: 'source-ip' as const },
    })),
]);
export type LoadBalancerProps = z.input<typeof loadBalancerPropsSchema>;

/** @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPFaultInjection */
export const faultPropsSchema = z
  .object({
    /**
     * Delay requests before forwarding them.
     * @default none
     * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPFaultInjection-Delay
     */
    delay: z
      .object({
        /** How long, a duration. Required. */
        fixed: durationPropSchema,
        /** Share of requests delayed, in percent. @default 100 */
        percent: percentPropSchema.default(DEFAULTS.fault.percent),
      })
      .strict()
      .optional(),
    /**
     * Answer requests with an error status instead of forwarding them.
     * @default none
     * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPFaultInjection-Abort
     */
    abort: z
      .object({
        /** The HTTP status to answer with. Required. */
        status: z.number().int().min(200).max(599),
        /** Share of requests aborted, in percent. @default 100 */
        percent: percentPropSchema.default(DEFAULTS.fault.percent),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((f) => f.delay || f.abort, 'a fault needs a delay, an abort, or both')
  .transform((f) => ({
    delay: f.delay ? { fixedDelayMs: f.delay.fixed, percent: f.delay.percent } : undefined,
    abort: f.abort,
  }));
export type FaultProps = z.input<typeof faultPropsSchema>;

/** Resilience of calls to a service: defaults for every route to it. */
export const resiliencePropsSchema = z
  .object({
    /**
     * Overall request timeout, retries included, a duration.
     * @default none (Istio: disabled)
     * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRoute (timeout)
     */
    timeout: durationPropSchema.optional(),
    /** Retries of failed requests. @default none (the mesh's own: Istio retries twice) */
    retries: retriesPropsSchema.optional(),
    /** Outlier detection and connection limits. @default none */
    circuitBreaker: circuitBreakerPropsSchema.optional(),
    /** A local rate limit on each receiving instance. @default none */
    rateLimit: rateLimitPropsSchema.optional(),
    /** How callers pick an endpoint. @default none (the mesh's: least-request in Istio) */
    loadBalancer: loadBalancerPropsSchema.optional(),
    /** Fault injection. @default none */
    fault: faultPropsSchema.optional(),
    /** What answers callers when a call fails for a declared reason (docs/degradation.md). @default none */
    fallback: fallbackPropsSchema.optional(),
  })
  .strict()
  .transform(({ timeout, ...rest }) => ({ timeoutMs: timeout, ...rest }));
export type ResilienceProps = z.input<typeof resiliencePropsSchema>;
