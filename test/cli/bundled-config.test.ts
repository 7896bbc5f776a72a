import { afterAll, describe, expect, it, vi } from 'vitest';
import { join } from 'node:path';
import { readDist } from '../../src/synth/write';
import { repoRoot, scratchDir, E2E_TIMEOUT_MS } from '../e2e/helpers';
import { precompiledFixture, synthRun, type SynthRun } from './synth-run';

// Every test runs the real CLI; the bound is against a hang, not a speed assertion.
vi.setConfig({ testTimeout: E2E_TIMEOUT_MS, hookTimeout: E2E_TIMEOUT_MS });

const scratch = scratchDir();
afterAll(() => scratch.cleanup());
const fixture = precompiledFixture;
type Run = SynthRun & { diagnostics: SynthRun['json']['diagnostics'] };
const synth = (config: string, out: string, extra: string[] = []): Run => {
  const r = synthRun(config, out, extra);
  return { ...r, diagnostics: r.json.diagnostics };
};

/**
 * The precompiled compile child loads mesh.config.ts without tsx: esbuild bundles it with the
 * files it imports (src/synth/config-bundle.ts). What the config sees, and where diagnostics
 * point, must be what it sees through tsx (`--from-source`).
 */
describe('mesh.config.ts bundled by esbuild in the precompiled child', () => {
  it("gives each imported file its own import.meta, imports JSON, and maps a mistake to the helper file's line and column", () => {
    const bundled = synth(fixture('import-meta.ts'), join(scratch.dir, 'meta'));
    const source = synth(fixture('import-meta.ts'), join(scratch.dir, 'meta-source'), ['--from-source']);
    expect(bundled.children).toEqual(['precompiled']);
    expect(bundled.status, bundled.stderr).toBe(1);
    // `replicas: -2` in meta/team.ts, line 8; the image read through import.meta.url loaded.
    expect(bundled.diagnostics.map((d) => [d.code, d.location?.file, d.location?.line, d.location?.column])).toEqual([['WEFT001', fixture('meta/team.ts'), 8, 70]]);
    expect(bundled.diagnostics).toEqual(source.diagnostics);
  });

  it('keeps the column of a throw that follows import.meta on the same line', () => {
    const bundled = synth(fixture('throw-after-meta.ts'), join(scratch.dir, 'throw'));
    const source = synth(fixture('throw-after-meta.ts'), join(scratch.dir, 'throw-source'), ['--from-source']);
    expect(bundled.children).toEqual(['precompiled']);
    expect(bundled.diagnostics.map((d) => [d.code, d.location?.line, d.location?.column])).toEqual([['WEFT002', 4, 49]]);
    expect(bundled.diagnostics).toEqual(source.diagnostics);
  });

  it('reports a syntax error at its line and column, as through tsx', () => {
    const config = join(repoRoot, 'test/fixtures/load/syntax.ts');
    const bundled = synth(config, join(scratch.dir, 'syntax'));
    const source = synth(config, join(scratch.dir, 'syntax-source'), ['--from-source']);
    expect(bundled.children).toEqual(['precompiled']);
    const where = (r: Run) => r.diagnostics.map((d) => [d.code, d.location?.file, d.location?.line, d.location?.column]);
    // Line 3, column 70: the `)` that should be `}` (tsx reports its column one to the left).
    expect(where(bundled)).toEqual([['WEFT002', config, 3, 70]]);
    expect(where(source)[0]!.slice(0, 3)).toEqual(['WEFT002', config, 3]);
    // esbuild's own text; tsx prefixes it with the place, which the location already carries.
    expect(bundled.diagnostics[0]!.message).toBe('syntax error: Expected "}" but found ")"');
  });

  it('serves the public API imported by its path from the compiler bundle and writes what the sources write', () => {
    const config = join(repoRoot, 'test/fixtures/precompiled/deep-import.ts');
    // deep-import.ts is compiled from the sources (see precompiled.test.ts); a plain config is not.
    const plain = join(repoRoot, 'test/fixtures/small.ts');
    const bundled = synth(plain, join(scratch.dir, 'small'));
    const source = synth(plain, join(scratch.dir, 'small-source'), ['--from-source']);
    expect(bundled.children).toEqual(['precompiled']);
    expect(bundled.status, bundled.stderr).toBe(source.status);
    expect([...readDist(join(scratch.dir, 'small'))]).toEqual([...readDist(join(scratch.dir, 'small-source'))]);
    expect(synth(config, join(scratch.dir, 'deep')).children).toEqual(['precompiled', 'source']);
  });

  it('requires a CommonJS package the config imports and shows it as Node’s import does', () => {
    const bundled = synth(fixture('cjs-package.ts'), join(scratch.dir, 'cjs'));
    const source = synth(fixture('cjs-package.ts'), join(scratch.dir, 'cjs-source'), ['--from-source']);
    expect(bundled.children).toEqual(['precompiled']);
    expect(bundled.status, bundled.stderr).toBe(0);
    expect(source.status, source.stderr).toBe(0);
    expect([...readDist(join(scratch.dir, 'cjs'))]).toEqual([...readDist(join(scratch.dir, 'cjs-source'))]);
  });

  it('reports an import of a name the CommonJS package does not export, as Node refuses to link it', () => {
    const bundled = synth(fixture('cjs-missing-export.ts'), join(scratch.dir, 'cjs-missing'));
    const source = synth(fixture('cjs-missing-export.ts'), join(scratch.dir, 'cjs-missing-source'), ['--from-source']);
    expect(bundled.children).toEqual(['precompiled']);
    const where = (r: Run) => r.diagnostics.map((d) => [d.code, d.location?.file, d.location?.line]);
    expect(where(bundled)).toEqual([['WEFT002', fixture('cjs-missing-export.ts'), 2]]);
    expect(bundled.diagnostics[0]!.message).toContain('ApiObjectThatDoesNotExist');
    expect(where(source).map(([code]) => code)).toEqual(['WEFT002']);
  });
});
