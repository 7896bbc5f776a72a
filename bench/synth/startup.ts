/**
 * Start-up of `weft synth` on the example, the precompiled CLI against the same command run
 * from the sources through tsx (`--from-source`, the anchor), interleaved, each a fresh process
 * writing a fresh folder. Reports the median wall time and CPU time (user + sys of the CLI and
 * its compile child, GNU time's %U and %S) of each, and their ratio. CPU time, unlike wall time,
 * is nearly independent of how busy the machine is, so the ratio holds on a shared machine;
 * the ≤ 1.0 s goal itself is wall time on an idle machine (`npm run bench -- synth`).
 *
 *   node --import tsx bench/synth/startup.ts [--pairs 5]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = resolve(import.meta.dirname, '../..');
const { values } = parseArgs({ options: { pairs: { type: 'string', default: '5' } } });
const scratch = mkdtempSync(join(ROOT, 'test/.scratch-startup-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

interface Sample {
  wall: number;
  cpu: number;
}

function run(extra: string[]): Sample {
  const out = join(scratch, `out-${process.hrtime.bigint()}`);
  const timeFile = join(scratch, 'time');
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S', '-o', timeFile, process.execPath, join(ROOT, 'bin/weft.mjs'), 'synth', '--out', out, ...extra], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', GITHUB_ACTIONS: '' },
    stdio: 'ignore',
    timeout: 600_000,
  });
  rmSync(out, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`weft synth ${extra.join(' ')} exited with ${r.status}`);
  const [wall, user, sys] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number) as [number, number, number];
  return { wall, cpu: user + sys };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

// Build lib/ first (and warm the file cache): no timed run includes the build.
spawnSync(process.execPath, [join(ROOT, 'src/cli/build.mjs')], { cwd: ROOT, stdio: 'ignore' });
run([]);
const bundled: Sample[] = [];
const source: Sample[] = [];
const loads: number[] = [];
for (let i = 0; i < Number(values.pairs); i++) {
  loads.push(loadavg()[0]!);
  bundled.push(run([]));
  source.push(run(['--from-source']));
  process.stderr.write(`pair ${i + 1}: precompiled ${bundled.at(-1)!.wall.toFixed(2)} s (cpu ${bundled.at(-1)!.cpu.toFixed(2)} s), from source ${source.at(-1)!.wall.toFixed(2)} s (cpu ${source.at(-1)!.cpu.toFixed(2)} s)\n`);
}
const row = (what: string, xs: Sample[]) => `| ${what} | ${median(xs.map((x) => x.wall)).toFixed(2)} s | ${median(xs.map((x) => x.cpu)).toFixed(2)} s |`;
process.stdout.write(
  [
    `Example \`weft synth\`, ${bundled.length} interleaved pairs, Node ${process.version}, 1-minute load ${loads.map((l) => l.toFixed(1)).join(', ')}.`,
    '',
    '| run | wall (median) | CPU user+sys (median) |',
    '|---|---|---|',
    row('precompiled (lib/)', bundled),
    row('from source (tsx), anchor', source),
    '',
    `- CPU precompiled / from source: ${(median(bundled.map((x) => x.cpu)) / median(source.map((x) => x.cpu))).toFixed(2)}×`,
    `- wall precompiled / from source: ${(median(bundled.map((x) => x.wall)) / median(source.map((x) => x.wall))).toFixed(2)}×`,
    '',
  ].join('\n'),
);
