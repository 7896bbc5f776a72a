import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { codeRegistry } from '../../src/synth/registry';

const DOC = fileURLToPath(new URL('../../docs/diagnostics.md', import.meta.url));

/** `### WEFTnnn — title` headings, with the text up to the next heading. */
function documented(): Array<{ code: string; body: string }> {
  const text = readFileSync(DOC, 'utf8');
  const parts = text.split(/^### /m).slice(1);
  return parts
    .map((p) => ({ code: /^(WEFT\d{3})\b/.exec(p)?.[1], body: p.split(/^## /m)[0]! }))
    .filter((e): e is { code: string; body: string } => e.code !== undefined);
}

describe('docs/diagnostics.md', () => {
  it('documents every code Weft can emit (pipeline, analyzer rules and targets)', () => {
    const headings = new Set(documented().map((e) => e.code));
    const missing = [...codeRegistry().entries().keys()].filter((code) => !headings.has(code));
    expect(missing, `add a "### WEFTnnn — title" section to docs/diagnostics.md for: ${missing.join(', ')}`).toEqual([]);
  });

  it('documents no code that is not registered, and each code once', () => {
    const codes = documented().map((e) => e.code);
    const registered = codeRegistry().entries();
    expect(codes.filter((c) => !registered.has(c)), 'documented but not registered').toEqual([]);
    expect(codes.filter((c, i) => codes.indexOf(c) !== i), 'documented twice').toEqual([]);
  });

  it('states the registered severity wherever an entry states one', () => {
    const registered = codeRegistry().entries();
    for (const { code, body } of documented()) {
      const stated = /^Severity: \*\*(error|warning|info)\*\*/m.exec(body)?.[1];
      if (stated === undefined) continue;
      expect(stated, code).toBe(registered.get(code)?.severity);
    }
  });

  it('keeps the section where targets add their codes', () => {
    expect(readFileSync(DOC, 'utf8')).toMatch(/^## Target diagnostics \(WEFT6xx\)$/m);
  });
});
