import { afterAll, describe, expect, it, vi } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readDist } from '../../src/synth/write';
import { repoRoot, scratchDir, weft, E2E_TIMEOUT_MS } from './helpers';

// Each test runs the real CLI; the bound is against a hang, not a speed assertion (see helpers.ts).
vi.setConfig({ testTimeout: E2E_TIMEOUT_MS, hookTimeout: E2E_TIMEOUT_MS });

const config = join(repoRoot, 'test/fixtures/mistakes/mesh.config.ts');
const scratch = scratchDir();
afterAll(() => scratch.cleanup());

/** Line of each `MISTAKE n` marker in the fixture, and the code it must produce. */
const expected = [
  { line: 14, code: 'WEFT001' },
  { line: 15, code: 'WEFT104' },
  { line: 16, code: 'WEFT120' },
  { line: 17, code: 'WEFT503' },
  { line: 19, code: 'WEFT301' },
];

describe('a mesh.config.ts with five different mistakes', () => {
  const out = join(scratch.dir, 'dist');
  mkdirSync(join(out, 'prod/kubernetes/storefront'), { recursive: true });
  writeFileSync(join(out, 'prod/kubernetes/storefront/deployment-app-v1.yaml'), 'previous: content\n');
  const before = readDist(out);

  const run = weft(['synth', '--config', config, '--out', out]);

  it('exits 1', () => {
    expect(run.status).toBe(1);
  });

  it('prints exactly five coded diagnostics at the right lines, each with a code frame and a hint', () => {
    const heads = run.stderr.split('\n').filter((l) => /^\S+:\d+:\d+ (error|warning|info) WEFT\d{3} /.test(l));
    expect(heads.map((l) => l.replace(/^.*mesh\.config\.ts:(\d+):\d+ (\w+) (WEFT\d+) .*$/, '$3@$1 $2'))).toEqual(
      expected.map((e) => `${e.code}@${e.line} error`),
    );
    for (const e of expected) expect(run.stderr).toContain(`> ${e.line} |`);
    expect(run.stderr.match(/^ {2}hint: \S/gm)).toHaveLength(5);
    expect(run.stderr).toContain('5 errors, 0 warnings');
    expect(run.stderr).toContain('left unchanged');
  });

  it('leaves dist/ untouched', () => {
    expect([...readDist(out)]).toEqual([...before]);
  });

  it('gives the same diagnostics as JSON and as GitHub annotations', () => {
    const json = weft(['synth', '--config', config, '--out', out, '--json'], repoRoot, { GITHUB_ACTIONS: 'true' });
    expect(json.status).toBe(1);
    const lines = json.stdout.split('\n');
    const annotations = lines.filter((l) => l.startsWith('::error '));
    expect(annotations.map((a) => a.match(/line=(\d+),.*title=(WEFT\d+)/)!.slice(1).join(' '))).toEqual(expected.map((e) => `${e.line} ${e.code}`));
    const result = JSON.parse(lines.filter((l) => !l.startsWith('::')).join('\n'));
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map((d: { code: string; location: { line: number } }) => [d.code, d.location.line])).toEqual(expected.map((e) => [e.code, e.line]));
  });
});
