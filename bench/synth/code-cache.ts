/**
 * The compile child of `weft synth` on the example with the compiler's V8 code cache
 * (src/synth/compiler-script.mjs) against the same child without one (the anchor: an empty
 * cache folder per run), interleaved. Each run forks src/synth/compile-child.mjs on the built
 * lib/weft-compiler.cjs, compares the example with dist/ (as `weft synth --check` does) and
 * reads the child's CPU time (user + sys, /proc/<pid>/stat, 10 ms ticks) when it reports the
 * result: before the exit, where a run without a cache writes one (not counted). CPU time, not
 * wall time, so that the ratio holds on a shared machine. Linux only.
 *
 *   node --import tsx bench/synth/code-cache.ts [--pairs 7]
 */
import { fork, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ChildMessage } from '../../src/synth/isolate';

const ROOT = resolve(import.meta.dirname, '../..');
const CHILD = join(ROOT, 'src/synth/compile-child.mjs');
const BUNDLE = join(ROOT, 'lib/weft-compiler.cjs');
const { values } = parseArgs({ options: { pairs: { type: 'string', default: '7' } } });
const scratch = mkdtempSync(join(tmpdir(), 'weft-bench-code-cache-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

/** user + sys of a running process, in ms (@see proc(5): fields 14 and 15, in clock ticks). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticks;
}

interface Sample {
  cpu: number;
  codeCache: string;
}

function run(cacheDir: string): Promise<Sample> {
  return new Promise((done, fail) => {
    const child = fork(CHILD, [BUNDLE, cacheDir], { cwd: ROOT, serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env: { ...process.env, WEFT_SYNTH_STAGES: '1' } });
    let stderr = '';
    let sample: Sample | undefined;
    child.stderr!.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 600_000);
    child.on('message', (m: ChildMessage) => {
      if (m.phase !== 'done') return;
      const line = stderr.split('\n').find((l) => l.startsWith('weft-stages {"codeCache"'));
      sample = { cpu: cpuMs(child.pid!), codeCache: line ? (JSON.parse(line.slice('weft-stages '.length)) as { codeCache: string }).codeCache : '?' };
    });
    child.on('exit', () => {
      clearTimeout(timer);
      if (sample) done(sample);
      else fail(new Error(`the compile child ended without a result:\n${stderr.slice(-2000)}`));
    });
    const staging = join(scratch, `staging-${process.hrtime.bigint()}`);
    child.send({ configPath: join(ROOT, 'mesh.config.ts'), options: {}, output: { distDir: join(ROOT, 'dist'), staging, dryRun: true } });
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

// lib/ current first (a build is not a start-up), then one run to write the cache.
spawnSync(process.execPath, [join(ROOT, 'src/cli/build.mjs')], { cwd: ROOT, stdio: 'ignore' });
const warm = join(scratch, 'cache');
await run(warm);
const withCache: Sample[] = [];
const without: Sample[] = [];
const loads: number[] = [];
for (let i = 0; i < Number(values.pairs); i++) {
  loads.push(loadavg()[0]!);
  withCache.push(await run(warm));
  without.push(await run(mkdtempSync(join(scratch, 'none-'))));
  process.stderr.write(`pair ${i + 1}: with cache ${withCache.at(-1)!.cpu} ms (${withCache.at(-1)!.codeCache}), without ${without.at(-1)!.cpu} ms (${without.at(-1)!.codeCache})\n`);
}
const a = median(withCache.map((s) => s.cpu));
const b = median(without.map((s) => s.cpu));
process.stdout.write(
  [
    `Compile child of the example (load, compile, compare with dist/), ${withCache.length} interleaved pairs, Node ${process.version}, 1-minute load ${loads.map((l) => l.toFixed(1)).join(', ')}.`,
    '',
    '| child | CPU user+sys to result (median) | runs |',
    '|---|---|---|',
    `| with the code cache | ${a.toFixed(0)} ms | ${withCache.map((s) => s.cpu.toFixed(0)).join(', ')} |`,
    `| without (anchor) | ${b.toFixed(0)} ms | ${without.map((s) => s.cpu.toFixed(0)).join(', ')} |`,
    '',
    `- with / without: ${(a / b).toFixed(2)}× (${(b - a).toFixed(0)} ms less)`,
    `- cache states: ${[...new Set(withCache.map((s) => s.codeCache))].join(', ')} / ${[...new Set(without.map((s) => s.codeCache))].join(', ')}`,
    '',
  ].join('\n'),
);
