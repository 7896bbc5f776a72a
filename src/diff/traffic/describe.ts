import type { StringMatch } from '../../model/common';
import type { CircuitBreaker, Fault, RateLimit, Retries } from '../../model/resilience';
import type { Match } from '../../model/traffic';

/** Code-point order: the same on every machine, whatever its locale (localeCompare is not). */
export const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Human text for the traffic view. Every function is total and deterministic: the diff compares these strings. */

export function millis(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

function stringMatch(m: StringMatch): string {
  if ('exact' in m) return m.exact;
  if ('prefix' in m) return `${m.prefix}*`;
  return `~${m.regex}`;
}

function conditions(record: Record<string, StringMatch> | undefined, sep: string): string[] {
  return Object.keys(record ?? {})
    .sort()
    .map((k) => `${k}${sep}${stringMatch(record![k]!)}`);
}

/**
 * A request class as one line: `GET,POST /orders*`, `* /ping`, `* * end-user=jason`,
 * `* * ?variant=next`, `* /profile* from golang-app-gateway`; the empty clause is `any request`.
 */
export function requestClass(m: Match): string {
  const methods = m.methods?.length ? [...new Set(m.methods)].sort().join(',') : '*';
  const path = m.path ? stringMatch(m.path) : '*';
  const extra = [
    ...conditions(m.headers, '='),
    ...conditions(m.query, '=').map((q) => `?${q}`),
    ...(m.sourceService ? [`from ${m.sourceService.name}.${m.sourceService.namespace}`] : []),
  ];
  if (methods === '*' && path === '*' && extra.length === 0) return 'any request';
  return [methods, path, ...extra].join(' ');
}

export function timeout(ms: number | undefined): string {
  return ms === undefined ? 'none' : millis(ms);
}

export function retries(r: Retries | undefined): string {
  if (!r || r.attempts === 0) return 'none';
  const parts = [`${r.attempts}×`];
  if (r.perTryTimeoutMs !== undefined) parts.push(`per try ${millis(r.perTryTimeoutMs)}`);
  if (r.on.length) parts.push(`on ${r.on.join(',')}`);
  if (r.retriableStatusCodes?.length) parts.push(`status ${r.retriableStatusCodes.join(',')}`);
  if (r.retryNonIdempotent) parts.push('non-idempotent too');
  return parts.join(' ');
}

export function breaker(b: CircuitBreaker | undefined): string {
  if (!b) return 'none';
  const parts: string[] = [];
  if (b.consecutive5xx !== undefined) parts.push(`eject after ${b.consecutive5xx}×5xx`);
  if (b.consecutiveGatewayErrors !== undefined) parts.push(`eject after ${b.consecutiveGatewayErrors}×gateway-error`);
  parts.push(`interval ${millis(b.intervalMs)}`, `ejection ${millis(b.baseEjectionMs)}`, `max ${b.maxEjectionPercent}%`);
  if (b.maxConnections !== undefined) parts.push(`connections ${b.maxConnections}`);
  if (b.maxPendingRequests !== undefined) parts.push(`pending ${b.maxPendingRequests}`);
  if (b.maxRequests !== undefined) parts.push(`requests ${b.maxRequests}`);
  if (b.maxRequestsPerConnection !== undefined) parts.push(`per connection ${b.maxRequestsPerConnection}`);
  return parts.join(', ');
}

export function rateLimit(r: RateLimit | undefined): string {
  return r ? `${r.requests}/${millis(r.perMs)} burst ${r.burst}` : 'none';
}

export function fault(f: Fault | undefined): string {
  if (!f || (!f.delay && !f.abort)) return 'none';
  const parts: string[] = [];
  if (f.delay) parts.push(`delay ${millis(f.delay.fixedDelayMs)} to ${f.delay.percent}%`);
  if (f.abort) parts.push(`abort ${f.abort.status} to ${f.abort.percent}%`);
  return parts.join(', ');
}
