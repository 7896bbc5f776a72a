/**
 * Istio's string match in authorization policies: exact, prefix (`abc*`), suffix (`*abc`) or
 * presence (`*`, any non-empty value). Compiled once per config into a predicate.
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source
 */
export type ValuePredicate = (value: string) => boolean;

export function wildcard(pattern: string, ignoreCase = false): ValuePredicate {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const norm = ignoreCase ? (v: string) => v.toLowerCase() : (v: string) => v;
  if (p === '*') return (v) => v !== '';
  if (p.length > 1 && p.endsWith('*')) {
    const prefix = p.slice(0, -1);
    return (v) => norm(v).startsWith(prefix);
  }
  if (p.length > 1 && p.startsWith('*')) {
    const suffix = p.slice(1);
    return (v) => norm(v).endsWith(suffix);
  }
  return (v) => norm(v) === p;
}

/** Any of the patterns matches (values within one field are ORed). */
export function anyOf(patterns: readonly string[], ignoreCase = false): ValuePredicate {
  const preds = patterns.map((p) => wildcard(p, ignoreCase));
  return (v) => {
    for (const m of preds) if (m(v)) return true;
    return false;
  };
}
