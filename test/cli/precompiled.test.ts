import { afterAll, describe, expect, it, vi } from 'vitest';
import { readFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { readDist } from '../../src/synth/write';
import { PRECOMPILED_COMMANDS } from '../../src/cli/precompiled';
import { repoRoot, scratchDir, weft, E2E_TIMEOUT_MS } from '../e2e/helpers';
import { precompiledFixture, synthRun } from './synth-run';

// Every test runs the real CLI; the bound is against a hang, not a speed assertion.
vi.setConfig({ testTimeout: E2E_TIMEOUT_MS, hookTimeout: E2E_TIMEOUT_MS });

const scratch = scratchDir();
afterAll(() => scratch.cleanup());
const fixture = precompiledFixture;
const synth = synthRun;

describe('the precompiled CLI (lib/weft-cli.mjs, lib/weft-compiler.cjs)', () => {
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

  it('builds every bundle as pure ASCII, so that V8 keeps each one-byte (src/proxy/ascii-only.ts)', () => {
    synth(fixture('public-api.ts'), join(scratch.dir, 'ascii'));
    for (const bundle of ['weft-cli.mjs', 'weft-compiler.cjs', 'weft-commands.mjs']) {
      const text = readFileSync(join(repoRoot, 'lib', bundle), 'latin1');
      expect(text.length, bundle).toBeGreaterThan(10_000);
      expect(/[^\x00-\x7f]/.exec(text)?.index, bundle).toBeUndefined();
    }
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

describe('the other commands, precompiled (lib/weft-commands.mjs)', () => {
  const ran = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('weft-stages {"command"')).length;

  it('load mesh.config.ts without tsx and point diagnostics where the sources do', () => {
    const args = ['graph', '--config', fixture('public-api.ts'), '--format', 'mermaid'];
    const bundled = weft(args, repoRoot, { WEFT_SYNTH_STAGES: '1' });
    const source = weft([...args, '--from-source'], repoRoot, { WEFT_SYNTH_STAGES: '1' });
    expect(ran(bundled.stderr)).toBe(1);
    expect(ran(source.stderr)).toBe(0);
    expect(bundled.status).toBe(1);
    expect(bundled.stderr).toContain('public-api.ts:7:77 error WEFT001');
    expect(bundled.stderr.replace(/^weft-stages .*\n/gm, '')).toBe(source.stderr.replace(/^weft-stages .*\n/gm, ''));
    expect(source.status).toBe(1);
  });

  it('draw the example graph as the sources do', () => {
    const bundled = weft(['graph', '--format', 'mermaid', '--env', 'prod'], repoRoot, { WEFT_SYNTH_STAGES: '1' });
    expect(bundled.status, bundled.stderr).toBe(0);
    expect(ran(bundled.stderr)).toBe(1);
    expect(bundled.stdout).toMatch(/^flowchart LR\n/);
  });

  it('run from the sources when mesh.config.ts imports a Weft source file other than the public API', () => {
    const run = weft(['graph', '--config', fixture('deep-import.ts'), '--format', 'mermaid'], repoRoot, { WEFT_SYNTH_STAGES: '1' });
    expect(run.status, run.stderr).toBe(0);
    expect(ran(run.stderr)).toBe(0);
    expect(run.stdout).toContain('team t');
  });

  it('keep the usage errors and exit codes of each command', () => {
    for (const name of ['synth', 'graph', 'verify', 'diff', 'up']) {
      const r = weft([name, '--bogus']);
      expect(r.status, name).toBe(2);
      expect(r.stderr, name).toMatch(new RegExp(`^weft ${name}: Unknown option '--bogus'\\n\\nusage: weft ${name} `));
    }
    const help = weft(['graph', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: weft graph /);
    expect(weft(['graph', '--format', 'png']).stderr).toMatch(/^weft graph: --format must be one of svg, html, mermaid, dot, not "png"/);
  });
});
