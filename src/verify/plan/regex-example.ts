/**
 * A string that a regular expression fully matches, for probes of regex matches (paths,
 * headers). Covers the RE2 subset routes use — literals, escapes (\d \w \s \. …), `.`, classes,
 * groups with alternation, and quantifiers (* + ? {n,m}) — by taking the shortest choice
 * everywhere, then checks the result with RE2 itself (re2js). Undefined when it cannot find
 * one; the plan then reports the match as not verified rather than guess.
 */
import { RE2JS } from 're2js';

export function fullMatch(pattern: string, value: string): boolean {
  try {
    return RE2JS.compile(pattern).matches(value);
  } catch {
    return false;
  }
}

export function regexExample(pattern: string, filler = ''): string | undefined {
  let i = 0;
  const src = pattern;
  const atom = (): string | undefined => {
    const c = src[i];
    if (c === undefined) return undefined;
    if (c === '(') {
      i++;
      if (src.startsWith('?:', i)) i += 2;
      const s = alternation();
      if (src[i] !== ')') return undefined;
      i++;
      return s;
    }
    if (c === '[') {
      const end = src.indexOf(']', i + 2);
      if (end < 0) return undefined;
      const body = src.slice(i + 1, end);
      i = end + 1;
      if (body.startsWith('^')) return body.includes('a') ? 'z' : 'a';
      return body[0] === '\\' ? escape(body[1] ?? '') : body[0];
    }
    if (c === '\\') {
      i += 2;
      return escape(src[i - 1] ?? '');
    }
    if (c === '.') {
      i++;
      return 'a';
    }
    if (c === '^' || c === '$') {
      i++;
      return '';
    }
    i++;
    return c;
  };
  const quantified = (): string | undefined => {
    const a = atom();
    if (a === undefined) return undefined;
    const q = src[i];
    if (q === '*' || q === '?') {
      i++;
      if (src[i] === '?') i++;
      return '';
    }
    if (q === '+') {
      i++;
      if (src[i] === '?') i++;
      return a;
    }
    if (q === '{') {
      const m = /^\{(\d+)(,\d*)?\}/.exec(src.slice(i));
      if (m) {
        i += m[0].length;
        return a.repeat(Number(m[1]));
      }
    }
    return a;
  };
  const sequence = (): string | undefined => {
    let out = '';
    while (i < src.length && src[i] !== '|' && src[i] !== ')') {
      const q = quantified();
      if (q === undefined) return undefined;
      out += q;
    }
    return out;
  };
  const alternation = (): string | undefined => {
    const first = sequence();
    while (src[i] === '|') {
      i++;
      sequence();
    }
    return first;
  };
  const example = alternation();
  if (example === undefined || i !== src.length) return undefined;
  // Prefer a readable probe: the filler inserted where `.*` allowed anything, if it still matches.
  const candidates = filler ? [example + filler, example] : [example];
  return candidates.find((c) => fullMatch(pattern, c));
}

function escape(c: string): string {
  if (c === 'd') return '0';
  if (c === 'w') return 'a';
  if (c === 's') return ' ';
  return c;
}
