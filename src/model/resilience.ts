import { z } from 'zod';
import { millisSchema, percentSchema } from './common';
import { fallbackSchema, ratioBreakerSchema } from './degradation';

/**
 * The retry-on classes Weft understands. They are Envoy's `x-envoy-retry-on` /
 * `x-envoy-retry-grpc-on` values, which Istio's `HTTPRetry.retryOn` passes through.
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter#x-envoy-retry-on
 */
export const KNOWN_RETRY_ON = [
  '5xx',
  'gateway-error',
  'reset',
  'reset-before-request',
  'connect-failure',
  'envoy-ratelimited',
  'retriable-4xx',
  'refused-stream',
  'retriable-status-codes',
  'retriable-headers',
  'http3-post-connect-failure',
  'cancelled',
  'deadline-exceeded',
  'internal',
  'resource-exhausted',
  'unavailable',
] as const;
export type RetryOn = (typeof KNOWN_RETRY_ON)[number];

export const retriesSchema = z.object({
  /** Retries after the first try (Istio `attempts`). 0 disables retries. */
  attempts: z.number().int().min(0),
  perTryTimeoutMs: millisSchema.optional(),
  /** Kept as strings so that the analyzer, not the parser, reports an unknown class with its location. */
  on: z.array(z.string()),
  /** Status codes retried under `retriable-status-codes`. */
  retriableStatusCodes: z.array(z.number().int().min(100).max(599)).optional(),
  /** Jittered exponential backoff; Envoy's default base is 25 ms, max 10 × base. */
  backoff: z.object({ baseMs: millisSchema, maxMs: millisSchema }).optional(),
  /** Retry POST/PATCH and other non-idempotent methods too. */
  retryNonIdempotent: z.boolean().optional(),
});
export type Retries = z.infer<typeof retriesSchema>;

/**
 * Outlier detection plus connection-pool limits, Istio's DestinationRule `trafficPolicy`
 * `outlierDetection` and `connectionPool`.
 */
export const circuitBreakerSchema = z.object({
  consecutive5xx: z.number().int().positive().optional(),
  consecutiveGatewayErrors: z.number().int().positive().optional(),
  intervalMs: millisSchema,
  baseEjectionMs: millisSchema,
  maxEjectionPercent: percentSchema,
  maxConnections: z.number().int().positive().optional(),
  maxPendingRequests: z.number().int().positive().optional(),
  maxRequests: z.number().int().positive().optional(),
  maxRequestsPerConnection: z.number().int().positive().optional(),
  /** Below this share of healthy endpoints, load balancing ignores health (Envoy's panic threshold). */
  minHealthPercent: percentSchema.optional(),
  /** A failure-ratio breaker with half-open probing (weft proxy). */
  ratio: ratioBreakerSchema.optional(),
});
export type CircuitBreaker = z.infer<typeof circuitBreakerSchema>;

/** A token bucket: `requests` tokens refilled every `perMs`, holding at most `burst` (default `requests`). */
export const rateLimitSchema = z.object({
  requests: z.number().int().positive(),
  perMs: z.number().int().positive(),
  burst: z.number().int().positive(),
  /** `reject` (token bucket, 429) or `shape` (leaky bucket: queue up to `maxQueue`, release at the rate). */
  mode: z.enum(['reject', 'shape']).optional(),
  maxQueue: z.number().int().nonnegative().optional(),
});
export type RateLimit = z.infer<typeof rateLimitSchema>;

export const hashOnSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('header'), name: z.string() }),
  /**
   * A cookie the proxy generates when the request has none, so that a client sticks from its next
   * request on: with `ttlMs` it lives that long; without (or 0) it is a session cookie (no
   * Max-Age/Expires). Every target writes that: Istio `ttl: 0s`, Consul `session: true`, the weft
   * proxy `ttlMs: 0` (Envoy generates no cookie at all when the ttl is absent).
   */
  z.object({ kind: z.literal('cookie'), name: z.string(), ttlMs: millisSchema.optional(), path: z.string().optional() }),
  z.object({ kind: z.literal('source-ip') }),
  z.object({ kind: z.literal('query'), name: z.string() }),
]);
export type HashOn = z.infer<typeof hashOnSchema>;

export const loadBalancerSchema = z.discriminatedUnion('policy', [
  z.object({ policy: z.literal('round-robin') }),
  z.object({ policy: z.literal('least-request') }),
  z.object({ policy: z.literal('random') }),
  z.object({ policy: z.literal('consistent-hash'), hashOn: hashOnSchema, ringSize: z.number().int().positive().optional() }),
]);
export type LoadBalancer = z.infer<typeof loadBalancerSchema>;

/** @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPFaultInjection */
export const faultSchema = z.object({
  delay: z.object({ fixedDelayMs: millisSchema, percent: percentSchema }).optional(),
  abort: z.object({ status: z.number().int().min(200).max(599), percent: percentSchema }).optional(),
});
export type Fault = z.infer<typeof faultSchema>;

export const resilienceSchema = z.object({
  timeoutMs: millisSchema.optional(),
  retries: retriesSchema.optional(),
  circuitBreaker: circuitBreakerSchema.optional(),
  rateLimit: rateLimitSchema.optional(),
  loadBalancer: loadBalancerSchema.optional(),
  fault: faultSchema.optional(),
  /** What answers callers when a call to this service fails for one of the reasons. */
  fallback: fallbackSchema.optional(),
});
export type Resilience = z.infer<typeof resilienceSchema>;
