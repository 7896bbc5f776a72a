import { afterAll, describe, expect, it, vi } from 'vitest';
import { readFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { readDist } from '../../src/synth/write';
import { PRECOMPILED_COMMANDS } from '../../src/cli/precompiled';
import { repoRoot, scratchDir, weft, E2E_TIMEOUT_MS } from '../e2e/helpers';

// Every test runs the real CLI; the bound is against a hang, not a speed assertion.
vi.setConfig({ testTimeout: E2E_TIMEOUT_MS, hookTimeout: E2E_TIMEOUT_MS });

const scratch = scratchDir();
afterAll(() => scratch.cleanup());
const fixture = (name: string) => join(repoRoot, 'test/fixtures/precompiled', name);

interface Run {
  status: number | null;
  json: { ok: boolean; diagnostics: Array<{ code: string; message: string; location?: { file: string; line: number; column: number } }> };
  /** The kind of compile child of each exchange (`WEFT_SYNTH_STAGES=1`). */
  children: string[];
  stderr: string;
}

function synth(config: string, out: string, extra: string[] = []): Run {
  const r = weft(['synth', '--config', config, '--out', out, '--json', ...extra], repoRoot, { WEFT_SYNTH_STAGES: '1' });
  const children = r.stderr
    .split('\n')
    .filter((l) => l.startsWith('weft-stages {"child"'))
    .map((l) => (JSON.parse(l.slice('weft-stages '.length)) as { child: string }).child);
  return { status: r.status, json: JSON.parse(r.stdout) as Run['json'], children, stderr: r.stderr };
}

describe('the precompiled CLI (lib/weft-cli.mjs, lib/weft-compiler.mjs)', () => {
  it('compiles the example to the same bytes as the sources through tsx', () => {
    const bundled = synth(join(repoRoot, 'mesh.config.ts'), join(scratch.dir, 'example-bundled'));
    const source = synth(join(repoRoot, 'mesh.config.ts'), join(scratch.dir, 'example-source'), ['--from-source']);
    expect(bundled.status, bundled.stderr).toBe(0);
    expect(source.status, source.stderr).toBe(0);
    expect(bundled.children).toEqual(['precompiled']);
    expect(source.children).toEqual(['source']);
    expect(bundled.json.diagnostics).toEqual(source.json.diagnostics);
    const a = readDist(join(scratch.dir, 'example-bundled'));
    expect(a.size).toBeGreaterThan(100);
    expect([...a]).toEqual([...readDist(join(scratch.dir, 'example-source'))]);
  });

  it("resolves `import 'weft'` to the compiler's own classes and points diagnostics at mesh.config.ts", () => {
    const bundled = synth(fixture('public-api.ts'), join(scratch.dir, 'public'));
    const source = synth(fixture('public-api.ts'), join(scratch.dir, 'public-source'), ['--from-source']);
    expect(bundled.status).toBe(1);
    expect(bundled.children).toEqual(['precompiled']);
    // WEFT001 at the offending field (`replicas: -1`, line 7), found in the config's own source.
    expect(bundled.json.diagnostics.map((d) => [d.code, d.location?.file, d.location?.line, d.location?.column])).toEqual([['WEFT001', fixture('public-api.ts'), 7, 77]]);
    expect(bundled.json.diagnostics).toEqual(source.json.diagnostics);
  });

  it('compiles from the sources when mesh.config.ts imports a Weft source file other than the public API', () => {
    const out = join(scratch.dir, 'deep');
    const run = synth(fixture('deep-import.ts'), out);
    expect(run.status, run.stderr).toBe(0);
    expect(run.children).toEqual(['precompiled', 'source']);
    expect([...readDist(out).keys()]).toContain('dev/kubernetes/t/deployment-a-v1.yaml');
  });

  it('rebuilds the bundles when a source is newer than the build', () => {
    const stamp = () => JSON.parse(readFileSync(join(repoRoot, 'lib/weft-cli.json'), 'utf8')) as { root: string; sourcesAt: number };
    synth(fixture('public-api.ts'), join(scratch.dir, 'warm-up'));
    // Only the time of a source changes (to now): every launcher then rebuilds once, nothing else.
    const now = new Date();
    utimesSync(join(repoRoot, 'src/cli/precompiled.ts'), now, now);
    const run = synth(fixture('public-api.ts'), join(scratch.dir, 'rebuilt'));
    expect(run.children).toEqual(['precompiled']);
    expect(stamp().root).toBe(repoRoot + '/');
    expect(stamp().sourcesAt).toBeGreaterThanOrEqual(now.getTime() - 1000);
  });

  it('lists the same commands in bin/weft.mjs’s launcher and in the bundle', async () => {
    const launch = (await import('../../src/cli/launch.mjs')) as { PRECOMPILED_COMMANDS: string[] };
    expect(launch.PRECOMPILED_COMMANDS).toEqual([...PRECOMPILED_COMMANDS.keys()]);
  });
});
