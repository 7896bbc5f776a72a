import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, scratchDir } from '../e2e/helpers';
import { readDist } from '../../src/synth/write';

/**
 * `weft synth --watch` as a user runs it: the real CLI, a mesh.config.ts that imports a second
 * file, edits to that file. Waits are on conditions (output seen, file content), bounded
 * generously: a synth on a loaded 2-core machine can take tens of seconds.
 */
const BOUND_MS = 240_000;
const scratch = scratchDir();
afterAll(() => scratch.cleanup());

const teamFile = (image: string, replicas: number) => `import type { Mesh } from 'weft';

export function addTeam(mesh: Mesh): void {
  const team = mesh.team('shop');
  team.service('app', { port: 8080, versions: { v1: { image: '${image}', replicas: ${replicas} } } });
}
`;
const configFile = `import { Mesh } from 'weft';
import { addTeam } from './team';

const mesh = new Mesh('watched', { environments: { dev: { mesh: 'istio' } } });
addTeam(mesh);
export default mesh;
`;

async function until(what: string, condition: () => boolean, log: () => string): Promise<void> {
  const deadline = Date.now() + BOUND_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}; output so far:\n${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('weft synth --watch', () => {
  it('re-synthesizes on a save of an imported file in a warm child, prints diagnostics, keeps dist/ on a mistake, a hang or an exit', { timeout: 5 * BOUND_MS }, async () => {
    const config = join(scratch.dir, 'mesh.config.ts');
    const team = join(scratch.dir, 'team.ts');
    const out = join(scratch.dir, 'dist');
    const deployment = join(out, 'dev/kubernetes/shop/deployment-app-v1.yaml');
    writeFileSync(team, teamFile('example/app:1.0.0', 1));
    writeFileSync(config, configFile);

    // The bound on each phase of the config: the endless loop below waits for it.
    const child = spawn(process.execPath, [join(repoRoot, 'bin/weft.mjs'), 'synth', '--watch', '--config', config, '--out', out, '--load-timeout', '20'], {
      cwd: scratch.dir,
      env: { ...process.env, NO_COLOR: '1', GITHUB_ACTIONS: '', WEFT_SYNTH_STAGES: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    // One save can raise several file events; a condition on content holds however many runs they start.
    const since = (mark: number) => stderr.slice(mark);
    // The compile child of each run (WEFT_SYNTH_STAGES=1 prints its pid).
    const children = () =>
      stderr
        .split('\n')
        .filter((l) => l.startsWith('weft-stages {"child"'))
        .map((l) => JSON.parse(l.slice('weft-stages '.length)) as { pid: number });
    const fileHas = (text: string) => {
      try {
        return readFileSync(deployment, 'utf8').includes(text);
      } catch {
        return false;
      }
    };
    try {
      await until('the first synth', () => stderr.includes('watching for changes'), () => stderr);
      expect(readFileSync(deployment, 'utf8')).toContain('image: example/app:1.0.0');
      const deploymentMtime = statSync(deployment).mtimeMs;

      // An edit of the imported file: new output.
      let mark = stderr.length;
      writeFileSync(team, teamFile('example/app:2.0.0', 1));
      await until('the re-synth after the edit', () => fileHas('image: example/app:2.0.0') && since(mark).includes('watching for changes'), () => stderr);
      expect(since(mark)).toMatch(/synth after a change to team\.ts took \d+ ms/);
      expect(readFileSync(deployment, 'utf8')).toContain('image: example/app:2.0.0');
      expect(statSync(deployment).mtimeMs).not.toBe(deploymentMtime);

      // A mistake: a coded diagnostic at the line in team.ts, dist/ left as it was.
      const before = readDist(out);
      mark = stderr.length;
      writeFileSync(team, teamFile('example/app:3.0.0', -1));
      await until('the diagnostics of the mistake', () => /left unchanged[^]*watching for changes/.test(since(mark)), () => stderr);
      expect(since(mark)).toMatch(/team\.ts:5:\d+ error WEFT001 /);
      expect([...readDist(out)]).toEqual([...before]);

      // Fixed again: the process is still running and picks it up. Waited on until the write has
      // ended ("watching for changes"), not only until the first file is in: dist/ is read next.
      mark = stderr.length;
      writeFileSync(team, teamFile('example/app:4.0.0', 2));
      await until('the re-synth after the fix', () => fileHas('image: example/app:4.0.0') && since(mark).includes('watching for changes'), () => stderr);
      // Every run so far was served by the one warm compile child.
      expect(new Set(children().map((c) => c.pid)).size).toBe(1);

      // A config that never finishes loading is stopped at the bound: WEFT020, dist/ kept, and
      // the next save is compiled by a fresh child.
      const kept = readDist(out);
      mark = stderr.length;
      writeFileSync(team, `${teamFile('example/app:5.0.0', 1)}\nwhile (Date.now() > 0) {}\n`);
      await until('the bound on the endless loop', () => /WEFT020[^]*watching for changes/.test(since(mark)), () => stderr);
      expect([...readDist(out)]).toEqual([...kept]);
      mark = stderr.length;
      writeFileSync(team, `${teamFile('example/app:6.0.0', 1)}\nprocess.exit(0);\n`);
      await until('the report of process.exit', () => /WEFT021[^]*watching for changes/.test(since(mark)), () => stderr);
      writeFileSync(team, teamFile('example/app:7.0.0', 1));
      await until('the re-synth after the fixes', () => fileHas('image: example/app:7.0.0'), () => stderr);
      // The hung child was killed and the exited one is gone: the last run had a fresh child.
      const pids = children().map((c) => c.pid);
      expect(pids.at(-1)).not.toBe(pids[0]);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
