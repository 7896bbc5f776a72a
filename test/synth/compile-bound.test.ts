import { fork, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { exchange } from '../../src/synth/isolate';
import { repoRoot } from '../e2e/helpers';

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
 * `--load-timeout` bounds what the config does (its loading, and what it leaves running); the
 * compile after it is Weft's own work, which grows with the mesh: 10,000 services compile in ~30
 * s on an idle machine, so the config's 30 s default stopped them (isolate.ts COMPILE_BOUND_MS).
 * A real child process on the real IPC channel, with a 300 ms load bound.
 */
describe('the bounds of the compile child', () => {
  it('lets a compile run past the config load bound', async () => {
    const outcome = await exchange(child('compile', '1500'), request, 300);
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
});
