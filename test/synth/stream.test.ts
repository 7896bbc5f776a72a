import { afterAll, describe, expect, it, vi } from 'vitest';
import { mkdirSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readDist } from '../../src/synth/write';
import { compileConfigFile } from '../../src/synth/compile-config';
import { repoRoot, scratchDir, weft, E2E_TIMEOUT_MS } from '../e2e/helpers';

// Each test runs the real CLI; the bound is against a hang, not a speed assertion (see helpers.ts).
vi.setConfig({ testTimeout: E2E_TIMEOUT_MS, hookTimeout: E2E_TIMEOUT_MS });

const scratch = scratchDir();
afterAll(() => scratch.cleanup());
const staged = () => readdirSync(scratch.dir).filter((n) => n.startsWith('.weft-tmp-'));

/** Two environments, so that the compile child stages more than one environment's files. */
const CONFIG = `import { Mesh } from 'weft';
const mesh = new Mesh('stream', { environments: { dev: { mesh: 'weft' }, prod: { mesh: 'istio' } } });
const team = mesh.team('shop');
const data = team.service('data', { port: 8080, versions: { v1: { image: 'x/data:1' } } });
team.service('app', { port: 8080, versions: { v1: { image: 'x/app:1' } }, calls: [data] });
export default mesh;
`;

/**
 * `weft synth` streams the output: the compile child compares each target's files with dist/
 * and stages the changed ones beside it as it emits them (src/synth/isolate-child.ts); the CLI
 * commits the stage. The result must be exactly the in-process compile's files.
 */
describe('weft synth with the output staged by the compile child', () => {
  const config = join(scratch.dir, 'mesh.config.ts');
  const out = join(scratch.dir, 'dist');
  writeFileSync(config, CONFIG);

  it('writes exactly the compiled files, and nothing is left beside dist/', async () => {
    const run = weft(['synth', '--config', config, '--out', out]);
    expect(run.status, run.stderr).toBe(0);
    const compiled = await compileConfigFile(config);
    expect(compiled.files.size).toBeGreaterThan(20);
    expect(Object.fromEntries(readDist(out))).toEqual(Object.fromEntries(compiled.files));
    expect(staged()).toEqual([]);
  });

  it('an unchanged re-synth and --check touch no file', () => {
    const PAST = new Date('2001-02-03T04:05:06Z');
    for (const rel of readDist(out).keys()) utimesSync(join(out, rel), PAST, PAST);
    const again = weft(['synth', '--config', config, '--out', out, '--json']);
    expect(again.status, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ wrote: false, changes: { added: [], changed: [], removed: [] } });
    const check = weft(['synth', '--config', config, '--out', out, '--check']);
    expect(check.status, check.stderr).toBe(0);
    for (const rel of readDist(out).keys()) expect(statSync(join(out, rel)).mtimeMs).toBe(PAST.getTime());
    expect(staged()).toEqual([]);
  });

  it('--check lists an edited and a stale file without writing; synth then repairs them', () => {
    const [first] = [...readDist(out).keys()];
    writeFileSync(join(out, first!), 'edited by hand\n');
    mkdirSync(join(out, 'dev/weft/old'), { recursive: true });
    writeFileSync(join(out, 'dev/weft/old/stale.yaml'), 'stale\n');
    const check = weft(['synth', '--config', config, '--out', out, '--check', '--json']);
    expect(check.status).toBe(1);
    expect(JSON.parse(check.stdout).changes).toEqual({ added: [], changed: [first], removed: ['dev/weft/old/stale.yaml'] });
    expect(readDist(out).get(first!)).toBe('edited by hand\n');
    expect(staged()).toEqual([]);
    const run = weft(['synth', '--config', config, '--out', out, '--json']);
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).changes).toEqual({ added: [], changed: [first], removed: ['dev/weft/old/stale.yaml'] });
    expect(readDist(out).has('dev/weft/old/stale.yaml')).toBe(false);
    expect(readdirSync(join(out, 'dev/weft'))).not.toContain('old');
  });

  it('--env rewrites only that environment and its verify/ overlay', () => {
    const PAST = new Date('2001-02-03T04:05:06Z');
    const before = readDist(out);
    for (const rel of before.keys()) utimesSync(join(out, rel), PAST, PAST);
    const prodFile = [...before.keys()].find((p) => p.startsWith('prod/'))!;
    const devFile = [...before.keys()].find((p) => p.startsWith('dev/'))!;
    const verifyDevFile = [...before.keys()].find((p) => p.startsWith('verify/dev/'))!;
    writeFileSync(join(out, prodFile), 'edited prod\n');
    writeFileSync(join(out, devFile), 'edited dev\n');
    writeFileSync(join(out, verifyDevFile), 'edited verify dev\n');
    writeFileSync(join(out, 'dev/stale.yaml'), 'stale\n');
    mkdirSync(join(out, 'verify/prod'), { recursive: true });
    writeFileSync(join(out, 'verify/prod/kept.yaml'), 'kept\n');
    const run = weft(['synth', '--config', config, '--out', out, '--env', 'dev', '--json']);
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).changes).toEqual({ added: [], changed: [devFile, verifyDevFile].sort(), removed: ['dev/stale.yaml'] });
    const after = readDist(out);
    expect(after.get(devFile)).toBe(before.get(devFile));
    expect(after.get(verifyDevFile)).toBe(before.get(verifyDevFile));
    expect(after.get(prodFile)).toBe('edited prod\n');
    expect(after.get('verify/prod/kept.yaml')).toBe('kept\n');
    const untouched = [...before.keys()].filter((p) => p !== prodFile && p !== devFile && p !== verifyDevFile);
    for (const rel of untouched) expect(statSync(join(out, rel)).mtimeMs, rel).toBe(PAST.getTime());
    // Repair prod for the next tests.
    writeFileSync(join(out, prodFile), before.get(prodFile)!);
    rmSync(join(out, 'verify/prod/kept.yaml'));
  });

  it('an output folder that cannot be written is WEFT051, not a crash', () => {
    // The folder that would hold dist/ is a file: neither the staging folder nor dist/ can be created.
    writeFileSync(join(scratch.dir, 'a-file'), 'not a folder\n');
    const run = weft(['synth', '--config', config, '--out', join(scratch.dir, 'a-file/dist'), '--json']);
    expect(run.status, run.stderr).toBe(1);
    const result = JSON.parse(run.stdout) as { diagnostics: Array<{ code: string; severity: string; message: string }> };
    expect(result.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code)).toEqual(['WEFT051']);
    expect(result.diagnostics.find((d) => d.code === 'WEFT051')!.message).toMatch(/ENOTDIR/);
    expect(run.stderr).not.toMatch(/^\s+at .*\(.*:\d+:\d+\)$/m);
  });

  it('a config with errors leaves dist/ as it was and removes what the child staged', () => {
    const before = readDist(out);
    // test/fixtures/small.ts has prop mistakes (WEFT001), and its valid services are still emitted (and staged) before the errors stop the write.
    const run = weft(['synth', '--config', join(repoRoot, 'test/fixtures/small.ts'), '--out', out]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('WEFT001');
    expect([...readDist(out)]).toEqual([...before]);
    expect(staged()).toEqual([]);
  });
});
