import { z } from 'zod';
import { DurationProp, PercentProp } from './common';
import type { RetryOn } from '../../model/resilience';

/**
 * Retries of a failed request.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRetry
 */
export const RetriesProps = z
  .object({
    /** Retries after the first try. @default 2 (Istio's default) */
    attempts: z.number().int().min(0).default(2),
    /** Timeout of each try. @default the route timeout */
    perTryTimeout: DurationProp.optional(),
    /**
     * When to retry: Envoy retry-on classes.
     * @default ['5xx', 'gateway-error', 'reset', 'connect-failure']
     * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter#x-envoy-retry-on
     */
    on: z.array(z.custom<RetryOn | (string & {})>((v) => typeof v === 'string')).default(['5xx', 'gateway-error', 'reset', 'connect-failure']),
    /** Status codes retried in addition (implies the `retriable-status-codes` class). */
    statusCodes: z.array(z.number().int().min(100).max(599)).optional(),
    /** Jittered exponential backoff between tries. @default base 25ms, max 250ms (Envoy) */
    backoff: z.object({ base: DurationProp, max: DurationProp }).optional(),
    /** Also retry non-idempotent methods (POST, PATCH). @default false */
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
export type RetriesProps = z.input<typeof RetriesProps>;

/**
 * Outlier detection and connection limits for calls to this service.
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#OutlierDetection
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#ConnectionPoolSettings
 */
export const CircuitBreakerProps = z
  .object({
    /** Eject an endpoint after this many consecutive 5xx responses. */
    consecutive5xx: z.number().int().positive().optional(),
    /** Eject after this many consecutive 502/503/504 or connection failures. */
    consecutiveGatewayErrors: z.number().int().positive().optional(),
    /** How often ejection is evaluated. @default 10s */
    interval: DurationProp.prefault('10s'),
    /** Ejection time; grows with each repeat ejection. @default 30s */
    baseEjection: DurationProp.prefault('30s'),
    /** Share of endpoints that may be ejected at once. @default 10 (Envoy) */
    maxEjectionPercent: PercentProp.default(10),
    /** Max TCP connections to the service. */
    maxConnections: z.number().int().positive().optional(),
    /** Max requests waiting for a connection. */
    maxPendingRequests: z.number().int().positive().optional(),
    /** Max concurrent requests. */
    maxRequests: z.number().int().positive().optional(),
    /** Requests per connection before it is closed. */
    maxRequestsPerConnection: z.number().int().positive().optional(),
  })
  .strict()
  .transform(({ interval, baseEjection, ...rest }) => ({ ...rest, intervalMs: interval, baseEjectionMs: baseEjection }));
export type CircuitBreakerProps = z.input<typeof CircuitBreakerProps>;

/**
 * A local token-bucket rate limit, enforced by each receiving instance.
 * @see https://istio.io/latest/docs/tasks/policy-enforcement/rate-limit/#local-rate-limit
 */
export const RateLimitProps = z
  .object({
    /** Tokens added per `per`. */
    requests: z.number().int().positive(),
    /** The refill interval. @default 1s */
    per: DurationProp.prefault('1s'),
    /** Bucket size. @default requests */
    burst: z.number().int().positive().optional(),
  })
  .strict()
  .transform((r) => ({ requests: r.requests, perMs: r.per, burst: r.burst ?? r.requests }));
export type RateLimitProps = z.input<typeof RateLimitProps>;

/** @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#LoadBalancerSettings */
export const LoadBalancerProps = z.union([
  z.object({ policy: z.enum(['round-robin', 'least-request', 'random']) }).strict(),
  z
    .object({
      policy: z.literal('consistent-hash'),
      /** Exactly one key source. */
      header: z.string().optional(),
      cookie: z.object({ name: z.string(), ttl: DurationProp.optional(), path: z.string().optional() }).optional(),
      sourceIp: z.literal(true).optional(),
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
export type LoadBalancerProps = z.input<typeof LoadBalancerProps>;

/** @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPFaultInjection */
export const FaultProps = z
  .object({
    delay: z.object({ fixed: DurationProp, percent: PercentProp.default(100) }).strict().optional(),
    abort: z.object({ status: z.number().int().min(200).max(599), percent: PercentProp.default(100) }).strict().optional(),
  })
  .strict()
  .refine((f) => f.delay || f.abort, 'a fault needs a delay, an abort, or both')
  .transform((f) => ({
    delay: f.delay ? { fixedDelayMs: f.delay.fixed, percent: f.delay.percent } : undefined,
    abort: f.abort,
  }));
export type FaultProps = z.input<typeof FaultProps>;

export const ResilienceProps = z
  .object({
    /** Overall request timeout, retries included. @default none (Istio: disabled) */
    timeout: DurationProp.optional(),
    retries: RetriesProps.optional(),
    circuitBreaker: CircuitBreakerProps.optional(),
    rateLimit: RateLimitProps.optional(),
    loadBalancer: LoadBalancerProps.optional(),
    fault: FaultProps.optional(),
  })
  .strict()
  .transform(({ timeout, ...rest }) => ({ timeoutMs: timeout, ...rest }));
export type ResilienceProps = z.input<typeof ResilienceProps>;
