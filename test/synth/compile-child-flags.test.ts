import { afterAll, describe, expect, it, vi } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { COMPILE_CHILD_V8_FLAGS, tierUpFlags } from '../../src/synth/isolate';
import { scratchDir, weft, E2E_TIMEOUT_MS } from '../e2e/helpers';

// Runs the real CLI; the bound is against a hang, not a speed assertion (see helpers.ts).
vi.setConfig({ testTimeout: E2E_TIMEOUT_MS });

const scratch = scratchDir();
afterAll(() => scratch.cleanup());

/**
 * The compile child's V8 flags bound its peak memory (the heap growth factor) and cut its
 * garbage collection at scale (the young generation's size): docs/performance.md, "Peak memory
 * at 10,000 services" and "Schema check and young generation". A config that records the
 * process it runs in shows that a one-shot `weft synth` runs it under exactly those flags.
 */
describe('the compile child of weft synth', () => {
  it('runs mesh.config.ts under the heap growth and young-generation flags', () => {
    const record = join(scratch.dir, 'child.json');
    const config = join(scratch.dir, 'mesh.config.ts');
    writeFileSync(
      config,
      [
        "import { writeFileSync } from 'node:fs';",
        "import { Mesh } from 'weft';",
        `writeFileSync(${JSON.stringify(record)}, JSON.stringify({ execArgv: process.execArgv }));`,
        "export default new Mesh('m', { environments: { dev: { mesh: 'weft' } } });",
        '',
      ].join('\n'),
    );
    const r = weft(['synth', '--config', config, '--out', join(scratch.dir, 'dist')], scratch.dir);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.status).toBe(0);
    const child = JSON.parse(readFileSync(record, 'utf8')) as { execArgv: string[] };
    expect(child.execArgv).toEqual(expect.arrayContaining(['--heap-growing-percent=25', '--max-semi-space-size=32']));
    expect(child.execArgv).toEqual(expect.arrayContaining([...COMPILE_CHILD_V8_FLAGS]));
    expect(child.execArgv).toEqual(expect.arrayContaining(tierUpFlags(process.versions.v8)));
  });

  it('delays tier-up with the flag of the running V8, which that V8 accepts', () => {
    const flags = tierUpFlags(process.versions.v8);
    // The machine's Node 20 (V8 11.3) has a byte budget; an unknown V8 flag would stop the child.
    if (process.versions.v8.startsWith('11.3.')) expect(flags).toEqual(['--interrupt-budget=1048576']);
    const run = spawnSync(process.execPath, [...COMPILE_CHILD_V8_FLAGS, '-e', 'process.stdout.write("ran")'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('ran');
  });

  it('keeps V8 defaults on versions whose tier-up flags were not measured', () => {
    expect(tierUpFlags('13.6.233.17-node.27')).toEqual(['--invocation-count-for-maglev=2000', '--invocation-count-for-turbofan=15000']);
    expect(tierUpFlags('12.4.254.21-node.33')).toEqual([]);
    expect(tierUpFlags('14.0.1')).toEqual([]);
  });
});
