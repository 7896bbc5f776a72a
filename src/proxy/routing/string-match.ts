/** Compiles Istio-style string matches into predicates once, at config load. */
import type { StringMatch, ValueMatch } from '../config/schema';

export type StringPredicate = (value: string) => boolean;
export type ValuePredicate = (value: string | undefined | null) => boolean;

export function compileStringMatch(m: StringMatch): StringPredicate {
  if ('exact' in m) {
    const v = m.exact;
    return (s) => s === v;
  }
  if ('prefix' in m) {
    const v = m.prefix;
    return (s) => s.startsWith(v);
  }
  // Envoy's safe_regex is a full match (RE2); anchor the ECMAScript regex the same way.
  const re = new RegExp(`^(?:${m.regex})$`);
  return (s) => re.test(s);
}

export function compileValueMatch(m: ValueMatch): ValuePredicate {
  if ('present' in m) {
    const want = m.present;
    return (v) => (v !== undefined && v !== null) === want;
  }
  const p = compileStringMatch(m);
  return (v) => v !== undefined && v !== null && p(v);
}
