import type { ModelIndex } from '../model/query';
import type { CircuitBreaker, RateLimit, Retries } from '../model/resilience';
import type { Service } from '../model/service';
import type { Route } from '../model/traffic';

/** Human forms of durations and policies for labels: short, unit-bearing, stable. */
export function ms(value: number): string {
  if (value >= 60_000 && value % 60_000 === 0) return `${value / 60_000}m`;
  if (value >= 1000 && value % 1000 === 0) return `${value / 1000}s`;
  return `${value}ms`;
}

export function retriesText(r: Retries): string {
  return `retries ${r.attempts}×${r.perTryTimeoutMs !== undefined ? `/${ms(r.perTryTimeoutMs)}` : ''}${r.on.length ? ` on ${r.on.join(',')}` : ''}`;
}

export function breakerText(b: CircuitBreaker): string {
  const parts: string[] = [];
  if (b.consecutive5xx !== undefined) parts.push(`${b.consecutive5xx}×5xx`);
  if (b.consecutiveGatewayErrors !== undefined) parts.push(`${b.consecutiveGatewayErrors}×gateway-error`);
  if (b.maxConnections !== undefined) parts.push(`max ${b.maxConnections} conn`);
  if (b.maxPendingRequests !== undefined) parts.push(`max ${b.maxPendingRequests} pending`);
  if (b.maxRequests !== undefined) parts.push(`max ${b.maxRequests} req`);
  return `breaker ${parts.join(', ') || `eject ${ms(b.baseEjectionMs)}`}`;
}

export function limitText(l: RateLimit): string {
  return `limit ${l.requests}/${ms(l.perMs)}${l.burst !== l.requests ? ` burst ${l.burst}` : ''}`;
}

/** The service-level policies a caller meets when it calls `service`, short and long forms. */
export function callPolicies(index: ModelIndex, service: Service, caller: Service | undefined): { short: string[]; long: string[] } {
  const r = service.resilience;
  const short: string[] = [];
  const long: string[] = [];
  if (r.timeoutMs !== undefined) (short.push(`timeout ${ms(r.timeoutMs)}`), long.push(`timeout ${ms(r.timeoutMs)}`));
  if (r.retries) (short.push(`retries ${r.retries.attempts}×`), long.push(retriesText(r.retries)));
  if (r.circuitBreaker) (short.push('breaker'), long.push(breakerText(r.circuitBreaker)));
  if (r.rateLimit) (short.push(`limit ${r.rateLimit.requests}/${ms(r.rateLimit.perMs)}`), long.push(limitText(r.rateLimit)));
  const mtls = index.mtlsOf(service);
  short.push(`mTLS ${mtls}`);
  long.push(`mTLS ${mtls}`);
  const authz = authorizationOf(index, service, caller);
  short.push(authz.short);
  long.push(...authz.long);
  return { short, long };
}

/**
 * Whether the caller gets through the callee's authorization: under deny-by-default a declared
 * call is allowed (the targets turn `calls` into allow rules), explicit rules are listed.
 */
function authorizationOf(index: ModelIndex, service: Service, caller: Service | undefined): { short: string; long: string[] } {
  const mode = index.model.security.authorization;
  const rules = service.security.authorization;
  const long = [`authz ${mode}${caller ? `: call from ${caller.name} declared` : ''}`, ...rules.map((r) => `authz rule ${r.name}: ${r.action}`)];
  return { short: mode === 'deny-by-default' ? 'authz allow (declared)' : 'authz allow-all', long };
}

/** Route-level settings, for the route → version edges. */
export function routePolicies(route: Route): string[] {
  const out: string[] = [];
  if (route.timeoutMs !== undefined) out.push(`timeout ${ms(route.timeoutMs)}`);
  if (route.retries) out.push(retriesText(route.retries));
  if (route.rateLimit) out.push(limitText(route.rateLimit));
  if (route.fault?.abort) out.push(`fault abort ${route.fault.abort.status} ${route.fault.abort.percent}%`);
  if (route.fault?.delay) out.push(`fault delay ${ms(route.fault.delay.fixedDelayMs)} ${route.fault.delay.percent}%`);
  if (route.mirror) out.push(`mirror ${route.mirror.percent}% → ${route.mirror.destination.service.name}${route.mirror.destination.version ? `/${route.mirror.destination.version}` : ''}`);
  return out;
}

/** A route's match in one short line. */
export function matchText(route: Route): string {
  if (route.match.length === 0) return 'all requests';
  return route.match
    .map((m) => {
      const parts: string[] = [];
      if (m.path) parts.push(`path ${Object.entries(m.path).map(([k, v]) => `${k} ${v}`)[0]}`);
      if (m.methods) parts.push(m.methods.join('|'));
      for (const [h, v] of Object.entries(m.headers ?? {})) parts.push(`header ${h} ${Object.entries(v).map(([k, x]) => `${k} ${x}`)[0]}`);
      for (const [q, v] of Object.entries(m.query ?? {})) parts.push(`query ${q} ${Object.entries(v).map(([k, x]) => `${k} ${x}`)[0]}`);
      if (m.sourceService) parts.push(`from ${m.sourceService.name}`);
      return parts.join(' & ');
    })
    .join(' or ');
}
