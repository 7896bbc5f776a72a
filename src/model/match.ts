import type { StringMatch } from './common';
import type { Match, Route } from './traffic';

/**
 * Match subsumption, so that the route rules can tell when an earlier route takes every request
 * a later one would. Everything here errs towards "not covered": a shadowing warning must be
 * certain, so conditions whose relation cannot be decided (two different regexes, say) count as
 * not covering each other.
 *
 * Semantics follow Istio's HTTPMatchRequest: conditions of one clause are ANDed, clauses of one
 * route are ORed, `prefix` is a plain string prefix, `regex` is RE2 and must match the whole value.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPMatchRequest
 */

/** The clauses of a route; a route without clauses matches everything, like one empty clause. */
export function clausesOf(route: Route): Match[] {
  return route.match.length === 0 ? [{}] : route.match;
}

/** A clause that matches every request: no conditions, or only a path condition every path meets. */
export function isCatchAllClause(m: Match): boolean {
  return (
    (m.path === undefined || isUniversalPath(m.path)) &&
    isEmpty(m.methods) &&
    isEmpty(m.headers) &&
    isEmpty(m.query) &&
    m.sourceService === undefined
  );
}

export function isCatchAllRoute(route: Route): boolean {
  return clausesOf(route).some(isCatchAllClause);
}

/** Whether every request that matches `narrow` also matches `broad`. */
export function clauseCovers(broad: Match, narrow: Match): boolean {
  if (broad.path && !isUniversalPath(broad.path) && !(narrow.path && stringImplies(narrow.path, broad.path))) return false;
  if (!isEmpty(broad.methods)) {
    if (isEmpty(narrow.methods)) return false;
    if (!narrow.methods!.every((m) => broad.methods!.includes(m))) return false;
  }
  if (!mapCovers(broad.headers, narrow.headers)) return false;
  if (!mapCovers(broad.query, narrow.query)) return false;
  if (broad.sourceService) {
    const n = narrow.sourceService;
    if (!n || n.namespace !== broad.sourceService.namespace || n.name !== broad.sourceService.name) return false;
  }
  return true;
}

/** Two clause lists that match exactly the same requests by construction (same clauses, any order). */
export function sameClauses(a: readonly Match[], b: readonly Match[]): boolean {
  const ka = new Set(a.map(clauseKey));
  const kb = new Set(b.map(clauseKey));
  return ka.size === kb.size && [...ka].every((k) => kb.has(k));
}

/**
 * A text that two clause lists share exactly when `sameClauses` holds for them, so that routes
 * with the same clauses can be found with a map lookup instead of pairwise comparison.
 */
export function clauseSetKey(clauses: readonly Match[]): string {
  return JSON.stringify([...new Set(clauses.map(clauseKey))].sort());
}

/** Whether every string that satisfies `narrow` satisfies `broad`. */
export function stringImplies(narrow: StringMatch, broad: StringMatch): boolean {
  if ('exact' in broad) return 'exact' in narrow && narrow.exact === broad.exact;
  if ('prefix' in broad) {
    if ('exact' in narrow) return narrow.exact.startsWith(broad.prefix);
    if ('prefix' in narrow) return narrow.prefix.startsWith(broad.prefix);
    return broad.prefix === '';
  }
  if ('regex' in narrow) return narrow.regex === broad.regex;
  if ('exact' in narrow) return fullMatch(broad.regex, narrow.exact);
  return false;
}

function isUniversalPath(p: StringMatch): boolean {
  // Every origin-form request path starts with "/".
  return ('prefix' in p && (p.prefix === '' || p.prefix === '/')) || ('regex' in p && (p.regex === '.*' || p.regex === '/.*'));
}

function mapCovers(broad: Record<string, StringMatch> | undefined, narrow: Record<string, StringMatch> | undefined): boolean {
  for (const [key, cond] of Object.entries(broad ?? {})) {
    const n = narrow?.[key];
    if (!n || !stringImplies(n, cond)) return false;
  }
  return true;
}

function fullMatch(regex: string, value: string): boolean {
  try {
    // RE2 and JavaScript agree on the plain patterns this is used for; an RE2-only construct
    // fails to compile here and counts as "not implied".
    return new RegExp(`^(?:${regex})$`, 'u').test(value);
  } catch {
    return false;
  }
}

function isEmpty(v: readonly unknown[] | Record<string, unknown> | undefined): boolean {
  return v === undefined || (Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0);
}

/** A canonical text of a clause: empty conditions dropped, lists and keys sorted. */
function clauseKey(m: Match): string {
  const sortRecord = (r: Record<string, StringMatch> | undefined) =>
    isEmpty(r) ? undefined : Object.fromEntries(Object.entries(r!).sort(([a], [b]) => a.localeCompare(b)));
  return JSON.stringify([
    m.path ?? null,
    isEmpty(m.methods) ? null : [...new Set(m.methods)].sort(),
    sortRecord(m.headers) ?? null,
    sortRecord(m.query) ?? null,
    m.sourceService ? `${m.sourceService.namespace}/${m.sourceService.name}` : null,
  ]);
}
