import type { StringMatch } from '../../model/common';
import type { Match } from '../../model/traffic';

/**
 * The intersection of two match clauses as one Istio HTTPMatchRequest: a request matches the
 * result exactly when it matches both. Conditions of one clause are ANDed; a StringMatch
 * holds one form per field, so two conditions on the same field must fold into one.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPMatchRequest
 */
export type Intersection =
  | { kind: 'match'; clause: Match }
  /** No request matches both. */
  | { kind: 'empty' }
  /** Both are satisfiable but their conjunction is not one StringMatch (two different regexes, say). */
  | { kind: 'inexpressible'; field: string };

type Folded = { kind: 'match'; value: StringMatch | undefined } | { kind: 'empty' } | { kind: 'inexpressible' };

/** Two conditions on one value as one condition. Regexes fold only with themselves or a literal they fully match. */
export function intersectString(a: StringMatch | undefined, b: StringMatch | undefined): Folded {
  if (!a) return { kind: 'match', value: b };
  if (!b) return { kind: 'match', value: a };
  if ('exact' in a && 'exact' in b) return a.exact === b.exact ? { kind: 'match', value: a } : { kind: 'empty' };
  if ('exact' in a && 'prefix' in b) return a.exact.startsWith(b.prefix) ? { kind: 'match', value: a } : { kind: 'empty' };
  if ('prefix' in a && 'exact' in b) return intersectString(b, a);
  if ('prefix' in a && 'prefix' in b) {
    if (a.prefix.startsWith(b.prefix)) return { kind: 'match', value: a };
    if (b.prefix.startsWith(a.prefix)) return { kind: 'match', value: b };
    return { kind: 'empty' };
  }
  if ('regex' in a && 'regex' in b) return a.regex === b.regex ? { kind: 'match', value: a } : { kind: 'inexpressible' };
  // A regex and a prefix: a prefix every value has ("" or, for paths, "/") adds nothing.
  const [regex, other] = 'regex' in a ? [a, b] : [b, a];
  if ('prefix' in other && (other.prefix === '' || other.prefix === '/')) return { kind: 'match', value: regex };
  if ('exact' in other && 'regex' in regex) return fullMatch(regex.regex, other.exact) ?? { kind: 'inexpressible' };
  return { kind: 'inexpressible' };
}

function fullMatch(regex: string, value: string): Folded | undefined {
  try {
    // RE2 and JavaScript agree on the plain patterns routes use; one that only RE2 compiles is "undecided".
    return new RegExp(`^(?:${regex})$`, 'u').test(value) ? { kind: 'match', value: { exact: value } } : { kind: 'empty' };
  } catch {
    return undefined;
  }
}

function intersectMap(field: string, a: Record<string, StringMatch> | undefined, b: Record<string, StringMatch> | undefined): { kind: 'match'; value?: Record<string, StringMatch> } | Exclude<Intersection, { kind: 'match' }> {
  if (!a || !Object.keys(a).length) return { kind: 'match', value: b };
  if (!b || !Object.keys(b).length) return { kind: 'match', value: a };
  const out: Record<string, StringMatch> = { ...a };
  for (const [key, cond] of Object.entries(b)) {
    const folded = intersectString(a[key], cond);
    if (folded.kind === 'empty') return folded;
    if (folded.kind === 'inexpressible') return { kind: 'inexpressible', field: `${field}.${key}` };
    out[key] = folded.value!;
  }
  return { kind: 'match', value: out };
}

export function intersectClauses(a: Match, b: Match): Intersection {
  const path = intersectString(a.path, b.path);
  if (path.kind === 'empty') return path;
  if (path.kind === 'inexpressible') return { kind: 'inexpressible', field: 'path' };
  let methods = a.methods?.length ? a.methods : b.methods;
  if (a.methods?.length && b.methods?.length) {
    methods = a.methods.filter((m) => b.methods!.includes(m));
    if (!methods.length) return { kind: 'empty' };
  }
  const headers = intersectMap('headers', a.headers, b.headers);
  if (headers.kind !== 'match') return headers;
  const query = intersectMap('query', a.query, b.query);
  if (query.kind !== 'match') return query;
  if (a.sourceService && b.sourceService && (a.sourceService.namespace !== b.sourceService.namespace || a.sourceService.name !== b.sourceService.name))
    return { kind: 'empty' };
  const clause: Match = {};
  if (path.value) clause.path = path.value;
  if (methods?.length) clause.methods = methods;
  if (headers.value) clause.headers = headers.value;
  if (query.value) clause.query = query.value;
  const source = a.sourceService ?? b.sourceService;
  if (source) clause.sourceService = source;
  return { kind: 'match', clause };
}
