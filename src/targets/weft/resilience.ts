import type { At } from '../../diagnostics/location';
import type { Fault, RateLimit, Retries } from '../../model/resilience';
import type { ProxyConfigInput } from '../../proxy/config/schema';
import { retryOnSchema } from '../../proxy/config/schema';
import type { Report } from '../../diagnostics/reporter';

type RouteInput = NonNullable<ProxyConfigInput['routes']>[number];
export type RetriesInput = NonNullable<RouteInput['retries']>;
export type FaultInput = NonNullable<RouteInput['fault']>;
export type TokenBucketInput = NonNullable<RouteInput['rateLimit']>;

/** The retry-on classes the proxy implements, read from its schema so that a new one is picked up. */
const SUPPORTED_RETRY_ON: readonly string[] = retryOnSchema.options;
type ProxyRetryOn = (typeof retryOnSchema.options)[number];

/** The proxy's cap on `attempts` (its schema's maximum). */
export const MAX_RETRY_ATTEMPTS = 10;

/**
 * A token bucket, Envoy `local_ratelimit` semantics on both sides: the bucket starts full with
 * `burst` tokens and gains `requests` tokens every `perMs`.
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/type/v3/token_bucket.proto
 */
export function tokenBucket(limit: RateLimit): TokenBucketInput {
  return { maxTokens: limit.burst, tokensPerFill: limit.requests, fillIntervalMs: limit.perMs };
}

/** Istio `HTTPFaultInjection`: delay first, then abort, each on its own share of requests. */
export function faultConfig(fault: Fault): FaultInput | undefined {
  const out: FaultInput = {};
  if (fault.delay) out.delay = { fixedDelayMs: fault.delay.fixedDelayMs, percent: fault.delay.percent };
  if (fault.abort) out.abort = { httpStatus: fault.abort.status, percent: fault.abort.percent };
  return out.delay || out.abort ? out : undefined;
}

/**
 * Retries as the proxy takes them. A class the proxy does not implement is reported (WEFT641)
 * and left out: retrying on fewer conditions than declared is visible, never silent. When no
 * class is left, no retry policy is written — the proxy's default `retryOn` would otherwise
 * retry on conditions nobody declared. `attempts: 0` (retries off) writes no policy either.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRetry
 */
export function retriesConfig(retries: Retries, at: At, what: string, report: Report): RetriesInput | undefined {
  if (retries.attempts === 0) return undefined;
  const retryOn: ProxyRetryOn[] = [];
  const kept = retries.on.filter((c) => SUPPORTED_RETRY_ON.includes(c));
  const outcome = kept.length > 0 ? `it retries only on ${kept.map((c) => `"${c}"`).join(', ')}` : 'no declared class is left, so it does not retry at all';
  for (const on of retries.on) {
    if (SUPPORTED_RETRY_ON.includes(on)) {
      if (!retryOn.includes(on as ProxyRetryOn)) retryOn.push(on as ProxyRetryOn);
      continue;
    }
    report(
      'WEFT641',
      at,
      `${what} retries on "${on}", which the weft proxy does not support: ${outcome}`,
      `the weft proxy retries on ${SUPPORTED_RETRY_ON.join(', ')}; the istio target takes every Envoy retry-on class`,
    );
  }
  if (retryOn.length === 0) return undefined;

  let attempts = retries.attempts;
  if (attempts > MAX_RETRY_ATTEMPTS) {
    report(
      'WEFT642',
      at,
      `${what} retries ${attempts} times; the weft proxy retries at most ${MAX_RETRY_ATTEMPTS} times`,
      `declare at most ${MAX_RETRY_ATTEMPTS} attempts: more retries mostly multiply load on a failing service`,
    );
    attempts = MAX_RETRY_ATTEMPTS;
  }
  const out: RetriesInput = { attempts, retryOn };
  if (retries.perTryTimeoutMs) out.perTryTimeoutMs = retries.perTryTimeoutMs;
  if (retryOn.includes('retriable-status-codes') && retries.retriableStatusCodes?.length) out.retriableStatusCodes = [...retries.retriableStatusCodes];
  if (retries.retryNonIdempotent) out.retryNonIdempotent = true;
  if (retries.backoff) {
    // The proxy needs a base of at least 1 ms; a declared 0 ms (no pause) differs from 1 ms by nothing measurable.
    const baseMs = Math.max(1, retries.backoff.baseMs);
    out.backoff = { baseMs, maxMs: Math.max(baseMs, retries.backoff.maxMs) };
  }
  return out;
}
