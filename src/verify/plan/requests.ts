/**
 * Probe requests for a route's match clause: the positive request (every condition met) and one
 * near miss per condition (that condition broken, the others kept), so that a mesh that ignores
 * or mistypes any single condition is caught.
 */
import type { StringMatch } from '../../model/common';
import type { Match } from '../../model/traffic';
import type { ProbeRequest } from './types';
import { fullMatch, regexExample } from './regex-example';

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'];

/** A value the match accepts (undefined: none could be derived). */
export function matchingValue(m: StringMatch, filler: string): string | undefined {
  if ('exact' in m) return m.exact;
  if ('prefix' in m) return m.prefix + filler;
  return regexExample(m.regex, filler);
}

/** A value the match rejects (undefined: the match accepts everything, e.g. prefix ""). */
export function missingValue(m: StringMatch, filler: string): string | undefined {
  const candidates = 'exact' in m ? [`${m.exact}-weft-miss`, `weft-miss`] : 'prefix' in m ? [`/weft-miss${m.prefix}`, 'weft-miss'] : ['/weft-miss', 'weft-miss', ''];
  return candidates.find((c) => !accepts(m, c)) ?? (filler ? undefined : undefined);
}

function accepts(m: StringMatch, v: string): boolean {
  if ('exact' in m) return v === m.exact;
  if ('prefix' in m) return v.startsWith(m.prefix);
  return fullMatch(m.regex, v);
}

export interface ClauseRequests {
  positive?: ProbeRequest;
  /** Why no positive request could be built. */
  unbuildable?: string;
  nearMisses: { name: string; request: ProbeRequest }[];
}

function build(path: string, method: string, headers: Record<string, string>, query: Record<string, string>): ProbeRequest {
  const qs = new URLSearchParams(query).toString();
  return { method, path: qs ? `${path}?${qs}` : path, headers: { ...headers } };
}

export function clauseRequests(clause: Match): ClauseRequests {
  const path = clause.path ? matchingValue(clause.path, clause.path && 'prefix' in clause.path && !clause.path.prefix.endsWith('/') ? '/weft-probe' : 'weft-probe') : '/weft-probe';
  if (path === undefined || !path.startsWith('/')) return { unbuildable: `no request path satisfies ${JSON.stringify(clause.path)}`, nearMisses: [] };
  const method = clause.methods?.[0] ?? 'GET';
  const headers: Record<string, string> = {};
  for (const [name, m] of Object.entries(clause.headers ?? {})) {
    const v = matchingValue(m, 'weft-probe');
    if (v === undefined) return { unbuildable: `no value of header ${name} satisfies ${JSON.stringify(m)}`, nearMisses: [] };
    headers[name] = v;
  }
  const query: Record<string, string> = {};
  for (const [name, m] of Object.entries(clause.query ?? {})) {
    const v = matchingValue(m, 'weft-probe');
    if (v === undefined) return { unbuildable: `no value of query parameter ${name} satisfies ${JSON.stringify(m)}`, nearMisses: [] };
    query[name] = v;
  }
  const positive = build(path, method, headers, query);
  const nearMisses: ClauseRequests['nearMisses'] = [];
  if (clause.path) {
    const miss = missingValue(clause.path, '');
    if (miss !== undefined && miss.startsWith('/')) nearMisses.push({ name: 'near miss: path', request: build(miss, method, headers, query) });
  }
  if (clause.methods) {
    const other = METHODS.find((m) => !clause.methods!.includes(m));
    if (other) nearMisses.push({ name: `near miss: method ${other}`, request: build(path, other, headers, query) });
  }
  for (const [name, m] of Object.entries(clause.headers ?? {})) {
    const miss = missingValue(m, '');
    if (miss !== undefined) nearMisses.push({ name: `near miss: header ${name}`, request: build(path, method, { ...headers, [name]: miss }, query) });
    const { [name]: _dropped, ...without } = headers;
    nearMisses.push({ name: `near miss: header ${name} absent`, request: build(path, method, without, query) });
  }
  for (const [name, m] of Object.entries(clause.query ?? {})) {
    const miss = missingValue(m, '');
    if (miss !== undefined) nearMisses.push({ name: `near miss: query ${name}`, request: build(path, method, headers, { ...query, [name]: miss }) });
  }
  return { positive, nearMisses };
}
