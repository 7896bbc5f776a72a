/**
 * The model's routing, evaluated for one request: which route of the callee matches for this
 * caller (routes in declaration order, first match wins; clauses ORed, conditions ANDed;
 * `sourceService` clauses only for that caller), and what the mesh must then do. It is the
 * oracle of every routing probe. Semantics follow Istio's HTTPMatchRequest, which every Weft
 * target implements: exact/prefix/regex (RE2, full match) on path, headers and query
 * parameters, method in a set.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPMatchRequest
 */
import type { ServiceRef, StringMatch } from '../../model/common';
import type { Service } from '../../model/service';
import type { Match, Route } from '../../model/traffic';
import type { Outcome, ProbeRequest } from './types';
import { fullMatch } from './regex-example';

export function sameRef(a: ServiceRef, b: ServiceRef): boolean {
  return a.name === b.name && a.namespace === b.namespace;
}

export function routeId(service: ServiceRef, route: string): string {
  return `${service.name}.${service.namespace}/${route}`;
}

export const DEFAULT_ROUTE = '(default)';

export function stringMatches(m: StringMatch, value: string | undefined): boolean {
  if (value === undefined) return false;
  if ('exact' in m) return value === m.exact;
  if ('prefix' in m) return value.startsWith(m.prefix);
  return fullMatch(m.regex, value);
}

export function splitPath(path: string): { pathname: string; query: URLSearchParams } {
  const q = path.indexOf('?');
  return q < 0 ? { pathname: path, query: new URLSearchParams() } : { pathname: path.slice(0, q), query: new URLSearchParams(path.slice(q + 1)) };
}

export function clauseMatches(clause: Match, request: ProbeRequest, caller: ServiceRef): boolean {
  if (clause.sourceService && !sameRef(clause.sourceService, caller)) return false;
  const { pathname, query } = splitPath(request.path);
  if (clause.path && !stringMatches(clause.path, pathname)) return false;
  if (clause.methods && !clause.methods.includes(request.method)) return false;
  for (const [name, m] of Object.entries(clause.headers ?? {})) {
    const value = Object.entries(request.headers).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
    if (!stringMatches(m, value)) return false;
  }
  for (const [name, m] of Object.entries(clause.query ?? {})) {
    if (!stringMatches(m, query.get(name) ?? undefined)) return false;
  }
  return true;
}

export function routeMatches(route: Route, request: ProbeRequest, caller: ServiceRef): boolean {
  const clauses = route.match.length === 0 ? [{}] : route.match;
  return clauses.some((c) => clauseMatches(c, request, caller));
}

/** The route that serves `request` (undefined: the implicit default route). */
export function matchingRoute(callee: Service, request: ProbeRequest, caller: ServiceRef, without?: Route): Route | undefined {
  return callee.routes.find((r) => r !== without && routeMatches(r, request, caller));
}

/** What the mesh must do with `request` from `caller` to `callee`. */
export function expectedOutcome(callee: Service, request: ProbeRequest, caller: ServiceRef, without?: Route): Outcome {
  const route = matchingRoute(callee, request, caller, without);
  if (!route) return { kind: 'forward', route: routeId(callee, DEFAULT_ROUTE), service: refOf(callee), destinations: byReplicas(callee), ...faultPart(callee.resilience.fault) };
  return outcomeOf(callee, route, request);
}

export function outcomeOf(callee: Service, route: Route, request: ProbeRequest): Outcome {
  const id = routeId(callee, route.name);
  const a = route.action;
  if (a.kind === 'redirect') return { kind: 'redirect', route: id, status: a.status, path: a.uri, authority: a.authority, scheme: a.scheme };
  if (a.kind === 'direct-response') return { kind: 'direct-response', route: id, status: a.status, body: a.body };
  const service = a.destinations[0]!.service;
  const out: Outcome = {
    kind: 'forward',
    route: id,
    service,
    destinations: a.destinations.filter((d) => d.weight > 0).map((d) => ({ version: d.version, weight: d.weight })),
    ...faultPart(route.fault ?? callee.resilience.fault),
  };
  if (route.headers?.request) out.requestHeaders = route.headers.request;
  if (route.headers?.response) out.responseHeaders = route.headers.response;
  if (route.rewrite?.uri !== undefined) out.rewrittenPath = rewritePath(route, request, route.rewrite.uri);
  if (route.rewrite?.authority !== undefined) out.rewrittenAuthority = route.rewrite.authority;
  return out;
}

/**
 * The default route reaches every pod of the service, so each version gets a share in proportion
 * to its replicas (the weft target weighs per-version endpoints so; kube-proxy and Istio spread
 * over pods alike).
 */
function byReplicas(service: Service): { version?: string; weight: number }[] {
  const total = service.versions.reduce((n, v) => n + v.replicas, 0);
  if (total === 0) return [{ weight: 100 }];
  return service.versions.filter((v) => v.replicas > 0).map((v) => ({ version: v.name, weight: (100 * v.replicas) / total }));
}

function faultPart(fault: { abort?: { status: number; percent: number } } | undefined): { abortStatus?: number } {
  return fault?.abort && fault.abort.percent > 0 ? { abortStatus: fault.abort.status } : {};
}

function refOf(s: Service): ServiceRef {
  return { name: s.name, namespace: s.namespace };
}

/**
 * Istio HTTPRewrite.uri: replaces the matched prefix for a prefix match, the whole path for
 * exact and regex matches (and when the route matched without a path condition).
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRewrite
 */
export function rewritePath(route: Route, request: ProbeRequest, uri: string): string {
  const { pathname } = splitPath(request.path);
  const clause = route.match.find((c) => c.path && stringMatches(c.path, pathname));
  if (clause?.path && 'prefix' in clause.path) {
    // `/captcha` → `/` gives `/x` for `/captcha/x`, not `//x`: what the Istio target writes as a
    // uriRegexRewrite and the weft proxy does (src/proxy/pipeline/rewrite.ts).
    const rest = pathname.slice(clause.path.prefix.length);
    const rewritten = uri.endsWith('/') && rest.startsWith('/') ? uri + rest.slice(1) : uri + rest;
    return rewritten === '' ? '/' : rewritten;
  }
  return uri;
}

/** Probability that an observation under `actual` looks like `expected` (same route effects, a version `expected` allows). */
export function confusable(expected: Outcome, actual: Outcome): number {
  if (expected.kind !== actual.kind) return 0;
  if (expected.kind === 'redirect' && actual.kind === 'redirect') {
    return expected.status === actual.status && expected.path === actual.path && expected.authority === actual.authority ? 1 : 0;
  }
  if (expected.kind === 'direct-response' && actual.kind === 'direct-response') return expected.status === actual.status && expected.body === actual.body ? 1 : 0;
  if (expected.kind !== 'forward' || actual.kind !== 'forward') return 0;
  if (!sameRef(expected.service, actual.service)) return 0;
  const sig = (o: typeof expected) => JSON.stringify([o.requestHeaders ?? null, o.responseHeaders ?? null, o.rewrittenPath ?? null, o.rewrittenAuthority ?? null]);
  if (sig(expected) !== sig(actual)) return 0;
  const allowed = (v: string | undefined) => expected.destinations.some((d) => d.version === undefined || d.version === v);
  // An actual destination without a version can land on any version: count it as confusable.
  return actual.destinations.reduce((p, d) => p + (d.version === undefined || allowed(d.version) ? d.weight : 0), 0) / 100;
}
