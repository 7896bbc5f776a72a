import { describe, expect, it, vi } from 'vitest';
import * as yaml from 'yaml';
import { documentYaml, referenceYaml } from '../../src/synth/serialize';
import { literalBlockText, oneLineScalarText } from '../../src/synth/yaml-scalars';

// Counts the `yaml` package's renderings of the fast path (serialize.ts imports `stringify`).
vi.mock('yaml', async (original) => {
  const actual = await original<typeof yaml>();
  return { ...actual, stringify: vi.fn(actual.stringify) };
});

/**
 * yaml-scalars.ts writes quoted, plain and literal block scalars itself where it proves the
 * result is the `yaml` package's (with serialize.ts's YAML 1.1 quoting: referenceYaml). These
 * tests render thousands of generated strings both ways, as map values, sequence items and keys,
 * at several depths, and read the text back under YAML 1.1 and 1.2.
 */

/** Pieces the generated strings are made of: indicators, quotes, escapes, controls, YAML 1.1 words and numbers, unicode, line breaks. */
const PIECES = [
  'a', 'Z', 'svc', '0', '7', '42', 'e', 'E', 'x', 'b', 'o', '_', '/', '.', '-', ':', ' ', '  ', '#', '"', "'", '\\', '\t', ',', '[', ']', '{', '}',
  '&', '*', '!', '|', '>', '%', '@', '`', '?', '~', '=', '<<', '---', '...', ': ', ' #', '- ', '? ', 'on', 'no', 'y', 'true', 'Null', '1e5', 'e1',
  'E+5', '0x1f', '0o17', '0b101', '0755', '1_000', '1:20', '2001-12-14', '.inf', '.5', '+1', 'é', 'ü', '😀', '\ud800', '\x07', '\x00', '\x1b', '\x7f',
  '\u0085', '\u00a0', '\u2028', '\u2029', '\ufeff', '\r', 'Mi', 'Gi', 'abcdef', '37b990d8', 'sum(rate(x{a="b"}[5m]))',
];
const BREAKS = ['\n', '\n\n', '\n\n\n', '\r\n', ' \n', '\t\n', '\n ', '\n\t', '\n  \n'];

/** A deterministic pseudo-random generator (mulberry32, 32-bit integer arithmetic), so that failures reproduce. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function oneLineStrings(count: number): string[] {
  const next = random(7);
  const pick = (xs: readonly string[]) => xs[Math.floor(next() * xs.length)]!;
  const out = new Set<string>(PIECES);
  for (let tries = 0; out.size < count && tries < count * 10; tries++) {
    let s = '';
    for (let n = 1 + Math.floor(next() * 4); n > 0; n--) s += pick(PIECES);
    out.add(s);
  }
  // Hashes and quantities: digits first, letters after (the strings the digit-first rule writes plain).
  const alphanumeric = '0123456789abcdefeEMmGgiKkxXoObB';
  for (let i = 0; i < 600; i++) {
    let s = String(Math.floor(next() * 10));
    for (let n = Math.floor(next() * 8); n > 0; n--) s += pick([...alphanumeric]);
    out.add(s);
  }
  out.add('x'.repeat(1001));
  out.add(`a ${'y'.repeat(1200)}`);
  return [...out].filter((s) => !/[\n\r]/.test(s));
}

function multiLineStrings(count: number): string[] {
  const next = random(11);
  const pick = (xs: readonly string[]) => xs[Math.floor(next() * xs.length)]!;
  const out = new Set<string>(['a\nb', 'a\n', 'a\n\n', 'a\n\nb', '{\n  "a": 1\n}\n', 'x\n---\ny', '...\nz', '# c\nd', '- a\n- b', 'k: v\nk2: v2', `${'long line '.repeat(300)}\nend`]);
  for (let tries = 0; out.size < count && tries < count * 10; tries++) {
    let s = '';
    for (let n = 1 + Math.floor(next() * 5); n > 0; n--) s += next() < 0.4 ? pick(BREAKS) : pick(PIECES);
    if (s.includes('\n')) out.add(s);
  }
  return [...out];
}

const read = (text: string, version: '1.1' | '1.2') => yaml.parse(text, { version, uniqueKeys: false }) as unknown;

describe('one-line scalars written without `yaml`', () => {
  const strings = oneLineStrings(4000);

  it('are the reference bytes as values, sequence items and keys, and read back as themselves under YAML 1.1 and 1.2', { timeout: 120_000 }, () => {
    let proven = 0;
    for (const s of strings) {
      const text = oneLineScalarText(s);
      if (text === undefined) continue;
      proven++;
      const asValue = `x: ${text}\n`;
      const asItem = `- ${text}\n`;
      const asKey = `${text}: 0\n`;
      expect(asValue, JSON.stringify(s)).toBe(referenceYaml({ x: s }));
      expect(asItem, JSON.stringify(s)).toBe(referenceYaml([s]));
      expect(asKey, JSON.stringify(s)).toBe(referenceYaml({ [s]: 0 }));
      for (const version of ['1.1', '1.2'] as const) {
        expect(read(asValue, version), `${version} ${JSON.stringify(s)}`).toEqual({ x: s });
        expect(read(asItem, version), `${version} ${JSON.stringify(s)}`).toEqual([s]);
        expect(Object.keys(read(asKey, version) as object), `${version} key ${JSON.stringify(s)}`).toEqual([s]);
      }
    }
    // Most generated strings are decided here (the rest go to `yaml`): a renderer that gave up on
    // everything would pass the comparisons above.
    expect(proven).toBeGreaterThan(strings.length / 2);
  });

  it('leaves to `yaml` what it does not prove: controls, YAML 1.1 line breaks, bool and null words, numbers, document markers, long strings', () => {
    for (const s of ['', 'on', 'No', 'y', 'null', 'true', 'e1', 'E+5', '8080', '0x1f', '0o17', '0b1', '1e5', '12E3', '-3', '+1', '.5', '25%', '1:20', '2001-12-14', '~', '<<', '=', '---', '... x', 'a\x07b', 'a\u0085b', 'a\u2028b', '\ufeffa', 'a\ud800', 'x'.repeat(1001)]) {
      expect(oneLineScalarText(s), JSON.stringify(s)).toBeUndefined();
    }
  });

  it('writes the hashes, quantities and quoted documents of a mesh itself', () => {
    expect(oneLineScalarText('37b990d87a8f2c599aa2d17e8eb908c84706446de7095676a69e4c538e5830ec')).toBe('37b990d87a8f2c599aa2d17e8eb908c84706446de7095676a69e4c538e5830ec');
    expect(oneLineScalarText('256Mi')).toBe('256Mi');
    expect(oneLineScalarText('100m')).toBe('100m');
    expect(oneLineScalarText('{"holdApplicationUntilProxyStarts":true}')).toBe(`'{"holdApplicationUntilProxyStarts":true}'`);
    expect(oneLineScalarText("it's: here")).toBe(`"it's: here"`);
    expect(oneLineScalarText('a "b": c \'d\'')).toBe(`"a \\"b\\": c 'd'"`);
  });
});

describe('literal block scalars written without `yaml`', () => {
  const strings = multiLineStrings(3000);

  it('are the reference bytes at every depth, as values and sequence items, and read back under YAML 1.1 and 1.2', { timeout: 120_000 }, () => {
    let proven = 0;
    for (const s of strings) {
      const top = literalBlockText(s, '  ');
      if (top === undefined) continue;
      proven++;
      expect(`x: ${top}`, JSON.stringify(s)).toBe(referenceYaml({ x: s }));
      const nested = { a: { b: [s, { c: s }] } };
      const text = `a:\n  b:\n    - ${literalBlockText(s, '      ')}    - c: ${literalBlockText(s, '        ')}`;
      expect(text, JSON.stringify(s)).toBe(referenceYaml(nested));
      expect(documentYaml(nested), JSON.stringify(s)).toBe(text);
      for (const version of ['1.1', '1.2'] as const) expect(read(text, version), `${version} ${JSON.stringify(s)}`).toEqual(nested);
    }
    expect(proven).toBeGreaterThan(strings.length / 20);
  });

  it('leaves to `yaml` leading whitespace or line breaks, whitespace before a line break, a blank last line, controls and YAML 1.1 line breaks', () => {
    for (const s of [' a\nb', '\ta\nb', '\na', 'a \nb', 'a\t\nb', 'a\n ', 'a\n\t', 'a\r\nb', 'a\rb\n', 'a\x07\nb', 'a\u0085\nb', 'a\u2028\nb', '\ufeffa\nb', 'a\ud800\nb', 'one line']) {
      expect(literalBlockText(s, '  '), JSON.stringify(s)).toBeUndefined();
    }
  });

  it('chomping: strip without a final line break, clip with one, keep with more (as empty lines)', () => {
    expect(literalBlockText('a\nb', '  ')).toBe('|-\n  a\n  b\n');
    expect(literalBlockText('a\nb\n', '  ')).toBe('|\n  a\n  b\n');
    expect(literalBlockText('a\n\nb\n\n\n', '    ')).toBe('|+\n    a\n\n    b\n\n\n');
  });
});

describe('the serializer on a mesh-like document', () => {
  it('asks `yaml` for no hash, quantity, quoted document or embedded JSON file', () => {
    const hashes = Array.from({ length: 200 }, (_, i) => `${i % 10}${(i * 2654435761).toString(16).padStart(12, 'a')}`);
    const files = Array.from({ length: 50 }, (_, i) => `{\n  "name": "svc-${i}",\n  "port": ${8000 + i}\n}\n`);
    const doc = { data: Object.fromEntries(files.map((f, i) => [`proxy-${i}.json`, f])), hashes, limits: { cpu: '100m', memory: '256Mi' }, annotation: '{"holdApplicationUntilProxyStarts":true}' };
    const rendered = vi.mocked(yaml.stringify);
    rendered.mockClear();
    const text = documentYaml(doc);
    // Keys, values and blocks alike are decided by yaml-scalars.ts.
    expect(rendered.mock.calls).toHaveLength(0);
    expect(text).toBe(referenceYaml(doc));
  });
});
