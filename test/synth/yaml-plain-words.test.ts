import { describe, expect, it, vi } from 'vitest';
import * as yaml from 'yaml';
import { documentYaml, misreadAsYaml11, referenceYaml } from '../../src/synth/serialize';

// Counts the `yaml` package's renderings of the fast path (serialize.ts imports `stringify`).
vi.mock('yaml', async (original) => {
  const actual = await original<typeof yaml>();
  return { ...actual, stringify: vi.fn(actual.stringify) };
});

/** A deterministic word of PLAIN_WORD's alphabet: a letter, `_` or `/` first, then letters, digits, `_`, `.`, `/`, `:`, `-`. */
function word(seed: number, length: number): string {
  const first = 'abcXYZ_/';
  const rest = 'aZ09_./:-';
  let s = first[seed % first.length]!;
  for (let i = 1; i < length; i++) s += rest[(seed * 7 + i * 13 + (seed >> i)) % rest.length]!;
  return s;
}

/**
 * serialize.ts writes a plain word as it is, without asking `yaml` (isPlainAsIs): names,
 * images and paths are most of a manifest's distinct strings. The bytes must stay what the
 * reference rendering (`yaml` itself, YAML 1.1 quoting) gives.
 */
describe('plain words in YAML', () => {
  it('are written as the reference rendering writes them, edge cases included', () => {
    const edges = ['a:', 'a::', 'svc-0:', 'a:b', 'http://x', '/api/', '_x', '/', 'true', 'True', 'NULL', 'Null', 'on', 'Off', 'y', 'N', 'e1', 'E-5', 'e', 'E1x', 'a.b.c', 'apps/v1', 'registry.example.com/app:1.0', 'x-', 'a--b', 'a:-1'];
    const random = Array.from({ length: 2000 }, (_, i) => word(i, 1 + (i % 9)));
    for (const w of [...edges, ...random]) {
      const doc = { key: w, list: [w], [w]: 1 };
      expect(documentYaml(doc), w).toBe(referenceYaml(doc));
    }
  });

  it('one-line strings that start like a word are judged as a YAML 1.1 round trip judges them', () => {
    // The round trip misreadAsYaml11 skips for them: render with `yaml` (1.2), read back as 1.1.
    const roundTrip = (s: string, asKey: boolean) => {
      try {
        const back = yaml.parse(asKey ? yaml.stringify({ [s]: 0 }) : yaml.stringify({ x: s }), { version: '1.1', uniqueKeys: false }) as Record<string, unknown>;
        return asKey ? !(Object.keys(back).length === 1 && Object.keys(back)[0] === s) : back.x !== s;
      } catch {
        return true;
      }
    };
    const parts = ['a', 'on', 'e', '+5', ' ', ': ', ' #', '#', '"', "'", '{', '}', '[', ']', ',', '\t', '\u2028', '\u0085', '\ufeff', '%', '@', '`', '&', '*', '!', '|', '>', '?', '-', '1:20', '0755', '2001-12-14', '~', 'null', '.', '\\', 'é'];
    const samples = ['E+5', 'e+12', 'e-5', 'E5', 'yes please', 'request timed out', 'sum(rate(x{a="b"}[5m]))', 'http://x/?a=b&c=d', 'a: b', 'a #b', 'a# b', 'trailing ', 'tab\there', '/ # x', '_ y', 'Off ', 'NULL x'];
    for (let i = 0; i < parts.length; i++) for (let j = 0; j < parts.length; j++) for (const first of ['a', 'Z', '_', '/', 'e', 'y', 'n']) samples.push(`${first}${parts[i]}${parts[j]}`, `${first}${parts[i]}`);
    for (const s of samples) {
      expect(misreadAsYaml11(s), s).toBe(roundTrip(s, false));
      expect(misreadAsYaml11(s, true), `key ${s}`).toBe(roundTrip(s, true));
    }
  });

  it('are not rendered by `yaml` one by one', () => {
    const words = Array.from({ length: 500 }, (_, i) => `word-${i}-registry.example.com/app:${i}.0`);
    const rendered = vi.mocked(yaml.stringify);
    rendered.mockClear();
    const text = documentYaml({ items: words });
    expect(text).toBe(`items:\n${words.map((w) => `  - ${w}\n`).join('')}`);
    // One rendering, of the key `items`; none for the 500 values.
    expect(rendered.mock.calls.length).toBeLessThanOrEqual(1);
  });
});
