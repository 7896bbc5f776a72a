import { afterAll, describe, expect, it, vi } from 'vitest';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readDist } from '../../src/synth/write';
import { repoRoot, scratchDir, weft, E2E_TIMEOUT_MS } from '../e2e/helpers';

// Each test runs the real CLI; the bound is against a hang, not a speed assertion (see helpers.ts).
vi.setConfig({ testTimeout: E2E_TIMEOUT_MS, hookTimeout: E2E_TIMEOUT_MS });

const scratch = scratchDir();
afterAll(() => scratch.cleanup());
const fixture = (name: string) => join(repoRoot, 'test/fixtures/load', name);

/**
 * Whatever mesh.config.ts does while it runs, `weft synth` ends with one coded diagnostic at a
 * location, exit 1, no stack trace, and dist/ exactly as it was.
 */
const CASES: Array<{ file: string; code: string; says: RegExp; line?: number; timeout?: number }> = [
  { file: 'throw-null.ts', code: 'WEFT002', says: /threw null/ },
  { file: 'throw-undefined.ts', code: 'WEFT002', says: /threw undefined/ },
  { file: 'throw-symbol.ts', code: 'WEFT002', says: /Symbol\(nope\)/ },
  { file: 'throw-getter.ts', code: 'WEFT002', says: /failed to load/ },
  { file: 'late-reject.ts', code: 'WEFT022', says: /late rejection/, line: 4 },
  { file: 'timer-throw.ts', code: 'WEFT022', says: /thrown from a timer/, line: 4 },
  { file: 'never-settles.ts', code: 'WEFT020', says: /never settles/ },
  // Bounded by --load-timeout; on a loaded machine loading Weft itself may use up the bound, which is the same outcome.
  { file: 'never-resolves.ts', code: 'WEFT020', says: /did not finish loading within 5 s/, timeout: 5 },
  { file: 'endless-loop.ts', code: 'WEFT020', says: /did not finish loading within 5 s/, timeout: 5 },
  { file: 'keeps-running.ts', code: 'WEFT020', says: /kept running after it had loaded|did not finish loading/, timeout: 5 },
  { file: 'exits.ts', code: 'WEFT021', says: /process\.exit/ },
  // Text in the message that looks like a location does not move the diagnostic.
  { file: 'message-location.ts', code: 'WEFT002', says: /message-location\.ts:99:1 for details/, line: 5 },
];

describe('weft synth isolates what mesh.config.ts does', () => {
  for (const c of CASES) {
    it(`${c.file}: ${c.code}, exit 1, dist/ untouched`, () => {
      const out = join(scratch.dir, c.file);
      mkdirSync(join(out, 'dev/weft'), { recursive: true });
      writeFileSync(join(out, 'dev/weft/previous.json'), '{"previous":true}\n');
      const before = readDist(out);
      const run = weft(['synth', '--config', fixture(c.file), '--out', out, '--load-timeout', String(c.timeout ?? 30), '--json']);
      expect(run.status, run.stderr).toBe(1);
      const result = JSON.parse(run.stdout) as { diagnostics: Array<{ code: string; message: string; location?: { file: string; line: number } }> };
      expect(result.diagnostics.map((d) => d.code)).toEqual([c.code]);
      const [d] = result.diagnostics;
      expect(d!.message).toMatch(c.says);
      expect(d!.location?.file).toBe(fixture(c.file));
      if (c.line) expect(d!.location?.line).toBe(c.line);
      expect(run.stderr).not.toMatch(/^\s+at .*\(.*:\d+:\d+\)$/m);
      expect([...readDist(out)]).toEqual([...before]);
      // Nothing a failed run staged beside dist/ is left (test/synth/stream.test.ts stages files before failing).
      expect(readdirSync(scratch.dir).filter((n) => n.startsWith('.weft-tmp-'))).toEqual([]);
    });
  }
});

describe('weft synth when the compile runs out of memory', () => {
  it('reports WEFT050 (not a process.exit), exit 1, dist/ untouched', () => {
    const out = join(scratch.dir, 'out-of-memory');
    mkdirSync(join(out, 'dev/weft'), { recursive: true });
    writeFileSync(join(out, 'dev/weft/previous.json'), '{"previous":true}\n');
    const before = readDist(out);
    // The compile child inherits NODE_OPTIONS, as the WEFT050 hint tells users.
    const run = weft(['synth', '--config', fixture('out-of-memory.ts'), '--out', out, '--json'], repoRoot, { NODE_OPTIONS: '--max-old-space-size=192' });
    expect(run.status, run.stderr).toBe(1);
    const result = JSON.parse(run.stdout) as { diagnostics: Array<{ code: string; hint?: string }> };
    expect(result.diagnostics.map((d) => d.code)).toEqual(['WEFT050']);
    expect(result.diagnostics[0]!.hint).toContain('--max-old-space-size');
    expect([...readDist(out)]).toEqual([...before]);
  });
});
