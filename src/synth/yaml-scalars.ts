/**
 * Strings as the `yaml` package (2.x, `lineWidth: 0`) writes them in block style, computed here
 * for the strings where the result is provably the same, so that serialize.ts does not build a
 * document per distinct string (at 1,000 services: 12,000 hashes and quantities, 6,000
 * embedded JSON files). Each function returns undefined for a string it does not prove; the
 * caller then asks `yaml`. The rules are `yaml`'s own (dist/stringify/stringifyString.js,
 * cited per rule), restricted to what they decide without the position of the scalar.
 * test/synth/yaml-scalars.test.ts compares them with `yaml` on generated strings, as values,
 * sequence items and keys, and reads the results back under YAML 1.1 and 1.2.
 * @see https://github.com/eemeli/yaml/blob/main/src/stringify/stringifyString.ts
 */

/**
 * YAML 1.1 bool (https://yaml.org/type/bool.html) and null (https://yaml.org/type/null.html)
 * words, and the exponent-only floats (`e1`, `E-5`) that the `yaml` package's 1.1 float allows
 * (its mantissa is optional).
 */
export const YAML11_WORDS = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|[eE]-?[0-9]+)$/;

/**
 * Characters for which `yaml`'s choice is left to `yaml`: line breaks (block scalars), the C0
 * controls but tab, DEL and the C1 controls (`yaml` double-quotes and escapes them), surrogates
 * (a lone one is escaped; a pair is rare enough not to matter), and U+2028, U+2029 and U+FEFF,
 * which YAML 1.1 reads as line breaks and a byte order mark.
 * @see https://yaml.org/spec/1.1/#id871136
 */
const ONE_LINE_UNPROVEN = /[\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\ufeff]/;

/**
 * `yaml`'s test for a string that cannot be plain (plainString): an indicator first, `- ` or
 * `? ` first, `: ` or ` #` inside, whitespace or `:` last. Such a string is quoted.
 * @see https://yaml.org/spec/1.2.2/#733-plain-style
 */
const NOT_PLAIN = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;

/**
 * `---` or `...` first: `yaml` writes such a string depending on its position (a block scalar
 * at the top level, quoted as a key one level down). Over 1,000 characters: a key becomes an
 * explicit `? ` key past 1,024.
 */
const DOCUMENT_MARKER = /^(?:---|\.\.\.)/;

/** A letter, `_` or `/` first: no YAML 1.2 core or 1.1 type but the words of YAML11_WORDS and `e+5` starts so. */
const LETTER_FIRST = /^[A-Za-z_/]/;
const EXPONENT_ONLY_PLUS = /^[eE]\+[0-9]+$/;

/**
 * Letters and digits only, a digit first, and a letter (`37b990d8…`, `256Mi`, `100m`): no
 * `.`, `:`, `-`, `+` or `_`, so no float with a point, sexagesimal, timestamp or separated
 * int. What remains of the core and 1.1 number patterns is excluded by NUMBER_LIKE.
 * @see https://yaml.org/type/int.html
 * @see https://yaml.org/type/float.html
 */
const DIGIT_FIRST_ALPHANUMERIC = /^[0-9][0-9A-Za-z]*[A-Za-z][0-9A-Za-z]*$/;
/** The number patterns an alphanumeric, digit-first string can still match: `0x…`, `0o…`, `0b…` ints and `12e3` floats. */
const NUMBER_LIKE = /^0[xXoObB]|^[0-9]+[eE][0-9]+$/;

/**
 * `s` as `yaml` writes a one-line string that is a value, a sequence item or an implicit key
 * (its position does not matter for the strings this decides), and the text that a YAML 1.1
 * reader reads back as `s`: that is the reference rendering (serialize.ts), which double-quotes
 * what 1.1 would misread. Undefined: not proven here.
 *
 * - A string that cannot be plain is quoted: single quotes when it holds `"` but no `'`, else
 *   double quotes (quotedString). With no control or line-break character, `yaml`'s
 *   double-quoted text is JSON.stringify's (it only rewrites `\uXXXX` and `\n` escapes, which
 *   JSON.stringify then does not produce), and single quotes only double `'` (there is none).
 *   A quoted scalar reads back as itself under YAML 1.1 too.
 * - Otherwise it is plain unless a tag of the core schema (null, bool, int, float) matches it
 *   (plainString's `actualString` test); it is written so when neither those tags nor YAML
 *   1.1's (bool, null, int, float, sexagesimal, timestamp, merge) can match: a letter first
 *   and not a bool, null or exponent-only word; or a digit-first alphanumeric word with a letter
 *   that no number pattern takes.
 */
export function oneLineScalarText(s: string): string | undefined {
  if (s.length === 0 || s.length > 1000 || ONE_LINE_UNPROVEN.test(s) || DOCUMENT_MARKER.test(s)) return undefined;
  if (NOT_PLAIN.test(s)) return s.includes('"') && !s.includes("'") ? `'${s}'` : JSON.stringify(s);
  if (LETTER_FIRST.test(s)) return YAML11_WORDS.test(s) || EXPONENT_ONLY_PLUS.test(s) ? undefined : s;
  if (DIGIT_FIRST_ALPHANUMERIC.test(s) && !NUMBER_LIKE.test(s)) return s;
  return undefined;
}

/**
 * Multi-line strings left to `yaml`: control characters (double-quoted), leading whitespace or
 * a leading line break (an indentation indicator, indented leading lines), whitespace before a
 * line break or a last line of only whitespace (`yaml` double-quotes the latter; a reader may
 * take such lines for empty), and what YAML 1.1 reads as a line break or byte order mark. Two
 * scans, each much faster than their alternation (which tries every alternative at every
 * position).
 */
const BLOCK_UNPROVEN_CHARACTER = /[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\ufeff]/;
const BLOCK_UNPROVEN_EDGE = /^[ \t\n]|[ \t]\n|\n[ \t]+$/;
/** Each line break but the last of a run: the next line has content and is indented. */
const LINE_BEFORE_CONTENT = /\n(?!\n)/g;

/**
 * A string with a line feed as the literal block scalar `yaml` writes for it (blockString with
 * `lineWidth: 0`: literal, never folded), from its header through its last line break, with
 * content lines indented by `indent`; undefined when not proven (BLOCK_UNPROVEN_CHARACTER,
 * BLOCK_UNPROVEN_EDGE) or without a line feed. The header's chomping indicator says what
 * follows the last line: `-` no line break (strip), none one (clip), `+` more (keep; the extra
 * ones are written as empty lines). Empty lines inside stay empty; no indentation indicator, as
 * the first line starts with content.
 * @see https://yaml.org/spec/1.2.2/#812-literal-style
 * @see https://yaml.org/spec/1.2.2/#8112-block-chomping-indicator
 */
export function literalBlockText(s: string, indent: string): string | undefined {
  if (!s.includes('\n') || BLOCK_UNPROVEN_CHARACTER.test(s) || BLOCK_UNPROVEN_EDGE.test(s)) return undefined;
  let end = s.length;
  while (s.charCodeAt(end - 1) === 10) end--;
  const breaks = s.length - end;
  const chomp = breaks === 0 ? '-' : breaks === 1 ? '' : '+';
  const content = end === s.length ? s : s.slice(0, end);
  return `|${chomp}\n${indent}${content.replace(LINE_BEFORE_CONTENT, `\n${indent}`)}\n${breaks > 1 ? '\n'.repeat(breaks - 1) : ''}`;
}
