import type { Retries } from '../../model/resilience';
import type { At } from '../../diagnostics/location';
import type { Route } from '../../model/traffic';
import type { ConsulContext } from './common';
import { compact, nonEmpty } from './common';

type Obj = Record<string, unknown>;

/**
 * The retry conditions Consul's ServiceRouter accepts in `RetryOn` (its `isValidRetryCondition`),
 * a subset of Envoy's `x-envoy-retry-on` / `x-envoy-retry-grpc-on` values.
 * @see https://developer.hashicorp.com/consul/docs/connect/config-entries/service-router#routes-destination-retryon
 * @see https://github.com/hashicorp/consul/blob/main/agent/structs/config_entry_discoverychain.go (isValidRetryCondition)
 */
export const CONSUL_RETRY_ON: ReadonlySet<string> = new Set([
  '5xx',
  'gateway-error',
  'reset',
  'connect-failure',
  'envoy-ratelimited',
  'retriable-4xx',
  'refused-stream',
  'cancelled',
  'deadline-exceeded',
  'internal',
  'resource-exhausted',
  'unavailable',
]);

/** Failures that happen before the request reached the upstream: safe to repeat for any method. */
const PRE_REQUEST = new Set(['connect-failure', 'refused-stream', 'reset-before-request']);

/** RFC 9110 §9.2.2 idempotent methods (the Weft proxy's and the Istio target's list). */
export const IDEMPOTENT_METHODS = ['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE'] as const;

/** Whether these retries could repeat a non-idempotent request that reached the upstream. */
export function needsIdempotencySplit(r: Retries | undefined): boolean {
  if (!r || r.attempts === 0 || r.retryNonIdempotent) return false;
  return (r.retriableStatusCodes?.length ?? 0) > 0 || r.on.some((c) => !PRE_REQUEST.has(c));
}

/**
 * A model retry policy as ServiceRouter destination fields: `NumRetries`, `RetryOnConnectFailure`
 * (for `connect-failure`), `RetryOn` (the other classes) and `RetryOnStatusCodes` (Consul adds
 * `retriable-status-codes` itself when codes are listed). Consul has no per-try timeout and no
 * backoff settings: both are reported, never dropped silently. `onlyPreRequest` keeps the
 * classes that are safe for non-idempotent methods (see `needsIdempotencySplit`).
 */
export function retryFields(cc: ConsulContext, route: Route | undefined, at: At, owner: string, r: Retries | undefined, onlyPreRequest: boolean): Obj {
  if (!r) return {};
  const key = route ? `route "${route.name}" of service "${owner}"` : `service "${owner}"`;
  if (r.perTryTimeoutMs !== undefined && !onlyPreRequest)
    cc.report('WEFT701', at, `the per-try timeout (${r.perTryTimeoutMs}ms) of the retries of ${key} cannot be expressed in Consul: a ServiceRouter has only an overall RequestTimeout`, 'keep it for the other targets; in consul environments each try may use the whole request timeout');
  if (r.backoff && !onlyPreRequest)
    cc.report('WEFT701', at, `the retry backoff of ${key} cannot be expressed in Consul: its sidecars use Envoy's default backoff (25ms base, 250ms max)`, 'remove backoff, or accept Envoy\'s default in consul environments');
  const codes = [...(r.retriableStatusCodes ?? []), ...r.on.filter((c) => /^\d{3}$/.test(c)).map(Number)];
  const classes = r.on.filter((c) => !/^\d{3}$/.test(c) && c !== 'retriable-status-codes' && c !== 'connect-failure' && (!onlyPreRequest || PRE_REQUEST.has(c)));
  const unsupported = classes.filter((c) => !CONSUL_RETRY_ON.has(c));
  if (unsupported.length && !onlyPreRequest)
    cc.report('WEFT701', at, `retry-on ${unsupported.map((c) => `"${c}"`).join(', ')} of ${key} cannot be expressed in Consul, which accepts ${[...CONSUL_RETRY_ON].join(', ')}`, 'use one of the classes Consul accepts in consul environments');
  const retryOn = classes.filter((c) => CONSUL_RETRY_ON.has(c));
  return compact({
    numRetries: r.attempts,
    retryOnConnectFailure: r.on.includes('connect-failure') || undefined,
    retryOn: nonEmpty(retryOn),
    retryOnStatusCodes: onlyPreRequest ? undefined : nonEmpty([...new Set(codes)].sort((a, b) => a - b)),
  });
}
