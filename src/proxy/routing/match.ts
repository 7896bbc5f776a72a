/**
 * Route conditions compiled into one predicate at config load: authority, path, methods,
 * headers, query parameters — all must hold (Istio HTTPMatchRequest). Authorities match like
 * Envoy virtual-host domains: exact (with or without port), `*.suffix`, `prefix.*`, or `*`.
 */
import type { RouteConfig } from '../config/schema';
import type { Exchange } from '../exchange';
import { compileStringMatch, compileValueMatch } from './string-match';

export type Predicate = (ex: Exchange) => boolean;

/**
 * The host of `host:port` (`[v6]:port` too): the part before the last colon that follows any
 * `]`. Scanned from the end in JavaScript: String.prototype.lastIndexOf is a runtime call in V8,
 * and two of them per route showed in the proxy's CPU profile.
 */
export function withoutPort(authority: string): string {
  for (let i = authority.length - 1; i >= 0; i--) {
    const c = authority.charCodeAt(i);
    if (c === 58 /* : */) return authority.slice(0, i);
    if (c === 93 /* ] */) return authority;
  }
  return authority;
}

export function compileHosts(hosts: readonly string[]): (authority: string) => boolean {
  const patterns = hosts.map((h) => h.toLowerCase());
  if (patterns.includes('*')) return () => true;
  const exact = new Set(patterns.filter((h) => !h.includes('*')));
  const suffixes = patterns.filter((h) => h.startsWith('*')).map((h) => h.slice(1));
  const prefixes = patterns.filter((h) => h.endsWith('*') && !h.startsWith('*')).map((h) => h.slice(0, -1));
  // A few names are compared directly: a Set lookup hashes the request's authority (a fresh
  // string per request) and its port-less slice, once more for every route evaluated.
  const few = exact.size <= 8 ? [...exact] : null;
  const isExact = few === null ? (a: string) => exact.has(a) : (a: string) => few.includes(a);
  return (authority) => {
    if (isExact(authority)) return true;
    const name = withoutPort(authority);
    if (name !== authority && isExact(name)) return true;
    for (const s of suffixes) if (name.endsWith(s) && name.length > s.length) return true;
    for (const p of prefixes) if (name.startsWith(p) && name.length > p.length) return true;
    return false;
  };
}

export function compileMatch(route: Pick<RouteConfig, 'hosts' | 'match'>): Predicate {
  const checks: Predicate[] = [];
  const host = compileHosts(route.hosts);
  if (!route.hosts.includes('*')) checks.push((ex) => host(ex.authority));
  const m = route.match;
  if (m.path) {
    const p = compileStringMatch(m.path);
    checks.push((ex) => p(ex.pathname));
  }
  if (m.methods) {
    const methods = new Set(m.methods.map((x) => x.toUpperCase()));
    checks.push((ex) => methods.has(ex.method));
  }
  for (const [name, vm] of Object.entries(m.headers ?? {})) {
    const key = name.toLowerCase();
    const p = compileValueMatch(vm);
    checks.push((ex) => p(ex.header(key)));
  }
  for (const [name, vm] of Object.entries(m.query ?? {})) {
    const p = compileValueMatch(vm);
    checks.push((ex) => p(ex.queryParam(name)));
  }
  if (checks.length === 0) return () => true;
  if (checks.length === 1) return checks[0]!;
  return (ex) => {
    for (let i = 0; i < checks.length; i++) if (!checks[i]!(ex)) return false;
    return true;
  };
}
