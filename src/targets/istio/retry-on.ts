import { KNOWN_RETRY_ON } from '../../model/resilience';

/**
 * The retry-on policies Istio's validation accepts in `HTTPRetry.retryOn`: the Envoy
 * `x-envoy-retry-on` and `x-envoy-retry-grpc-on` values it whitelists, which are exactly the
 * classes Weft's model knows (`KNOWN_RETRY_ON`), besides HTTP status codes, which Istio adds to
 * `retriable_status_codes`.
 * @see https://github.com/istio/istio/blob/master/pkg/config/validation/validation.go (supportedRetryOnPolicies)
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRetry
 */
export const ISTIO_RETRY_ON: ReadonlySet<string> = new Set(KNOWN_RETRY_ON);

/** Istio accepts a value that parses as an HTTP status code (Go's `http.StatusText` knows it). */
export function isAcceptedRetryOn(value: string): boolean {
  if (ISTIO_RETRY_ON.has(value)) return true;
  return /^[1-5]\d\d$/.test(value);
}

/**
 * Classes whose failures happen before the request reached the upstream, so repeating a
 * non-idempotent request is safe. `5xx`, `gateway-error` and `reset` include connect failures.
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter#x-envoy-retry-on
 */
export function preRequestRetryOn(on: readonly string[]): string[] {
  const out: string[] = [];
  if (on.some((c) => c === '5xx' || c === 'gateway-error' || c === 'reset' || c === 'connect-failure')) out.push('connect-failure');
  if (on.includes('refused-stream')) out.push('refused-stream');
  if (on.includes('reset-before-request')) out.push('reset-before-request');
  return out;
}

/**
 * gRPC status classes (Envoy `x-envoy-retry-grpc-on`). Every gRPC call is a POST, so the
 * idempotent/non-idempotent split must keep them: a declared `unavailable` is the user saying the
 * call may be repeated on that status. The weft proxy retries them for any method too
 * (src/proxy/pipeline/retry.ts).
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter#x-envoy-retry-grpc-on
 */
export const GRPC_RETRY_ON: ReadonlySet<string> = new Set(['cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable']);

/** The classes a non-idempotent request keeps: failures before it was sent, and declared gRPC status classes. */
export function nonIdempotentRetryOn(on: readonly string[]): string[] {
  return [...preRequestRetryOn(on), ...on.filter((c) => GRPC_RETRY_ON.has(c))];
}

/** RFC 9110 §9.2.2 idempotent methods (the Weft proxy's list). */
export const IDEMPOTENT_METHODS = ['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE'] as const;
