import { fork, type ChildProcess } from 'node:child_process';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exchange } from '../../src/synth/isolate';
import { E2E_TIMEOUT_MS, repoRoot, scratchDir, weft } from '../e2e/helpers';

const CHILD = join(repoRoot, 'test/fixtures/isolate/slow-compile-child.mjs');
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});
const child = (...args: string[]) => {
  const c = fork(CHILD, args, { serialization: 'advanced', stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
  children.push(c);
  return c;
};
const request = { configPath: '/project/mesh.config.ts', options: {} };

/**
 * `--load-timeout` bounds where the config's code runs: its loading, the building of the model
 * (its escape-hatch charts' tokens and validations), and what it leaves running. The emit after
 * that is Weft's own work, which grows with the mesh: 10,000 services take ~30 s on an idle
 * machine, so the config's 30 s default stopped them (isolate.ts COMPILE_BOUND_MS). A real child
 * process on the real IPC channel, with a 300 ms bound.
 */
describe('the bounds of the compile child', () => {
  it('lets the emit run past the config bound', async () => {
    const outcome = await exchange(child('emit', '1500'), request, 300);
    expect(outcome.kind).toBe('done');
    if (outcome.kind !== 'done') return;
    expect(outcome.result.diagnostics).toEqual([]);
    expect(outcome.result.environments).toEqual(['dev']);
  });

  it('still stops a config that does not finish loading within the bound', async () => {
    const outcome = await exchange(child('stall-loading'), request, 300);
    expect(outcome.kind).toBe('done');
    if (outcome.kind !== 'done') return;
    expect(outcome.result.diagnostics.map((d) => [d.code, d.message])).toEqual([['WEFT020', 'mesh.config.ts did not finish loading within 0.3 s and was stopped']]);
  });

  it('still stops the config when building its model does not finish within the bound', async () => {
    const outcome = await exchange(child('stall-compiling'), request, 300);
    expect(outcome.kind).toBe('done');
    if (outcome.kind !== 'done') return;
    expect(outcome.result.diagnostics.map((d) => [d.code, d.message])).toEqual([['WEFT020', 'mesh.config.ts did not finish compiling within 0.3 s and was stopped']]);
  });
});

describe('the real compile child', () => {
  const scratch = scratchDir();
  afterAll(() => scratch.cleanup());

  // Without the `emitting` report the emit would stay under the config's bound (the bug above).
  it('reports the model built, between compiling and settling', { timeout: E2E_TIMEOUT_MS }, () => {
    const config = join(scratch.dir, 'mesh.config.ts');
    writeFileSync(config, "import { Mesh } from 'weft';\nexport default new Mesh('m', { environments: { dev: { mesh: 'weft' } } });\n");
    const run = weft(['synth', '--config', config, '--out', join(scratch.dir, 'dist')], scratch.dir, { WEFT_SYNTH_STAGES: '1' });
    expect(run.status, run.stderr).toBe(0);
    const line = run.stderr.split('\n').find((l) => l.startsWith('weft-stages') && l.includes('"child"'));
    const stages = JSON.parse(line!.slice('weft-stages '.length)) as Record<string, number>;
    expect(Object.keys(stages).filter((k) => ['loading', 'compiling', 'emitting', 'settling', 'done'].includes(k))).toEqual(['loading', 'compiling', 'emitting', 'settling', 'done']);
    expect(stages.compiling!).toBeLessThanOrEqual(stages.emitting!);
    expect(stages.emitting!).toBeLessThanOrEqual(stages.settling!);
  });
});
