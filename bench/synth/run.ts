/**
 * The end-to-end synth benchmark: the real `weft synth` as a user runs it — `node
 * bin/weft.mjs synth`, process start to exit, every target of the environment, every file
 * written to a fresh output folder — for generated meshes of N services (bench/synth/mesh.ts:
 * one Istio environment, so the kubernetes, istio and observability targets), against a
 * plain cdk8s-plus-27 program (bench/synth/plain-process.ts) writing the Deployments and
 * Services of the same 1,000 services, in the same run and interleaved with Weft's 1,000 runs.
 * Also the example: `weft synth` of the repository's mesh.config.ts, cold (a new process, an
 * empty output folder), median of `--example-runs`.
 *
 *   npm run bench -- synth [--sizes 100,1000,2000,10000] [--runs 3] [--large-runs 1]
 *        [--example-runs 5] [--limit-seconds 1800]
 *
 * The compile child's phase bound is raised (`--load-timeout 3600`): a large mesh on a loaded
 * machine is slow, not stuck. Per run: wall time (from spawn to exit), peak RSS of the largest process (GNU time's %M: the
 * CLI or its compile child), per-stage times (WEFT_SYNTH_STAGES=1, see src/synth/isolate.ts),
 * and the machine's 1-minute load average at the start; runs started at a load above the core
 * count are flagged `loaded`. Sizes above 2,000 run `--large-runs` times. Prints Markdown on
 * stdout (docs/performance.md, "Synth end to end"), progress on stderr.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = resolve(import.meta.dirname, '../..');
const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100,1000,2000,10000' },
    runs: { type: 'string', default: '3' },
    'large-runs': { type: 'string', default: '1' },
    'example-runs': { type: 'string', default: '5' },
    'limit-seconds': { type: 'string', default: '1800' },
  },
});
const SIZES = values.sizes!.split(',').map(Number);
const RUNS = Number(values.runs);
const LARGE_RUNS = Number(values['large-runs']);
const deadline = Date.now() + Number(values['limit-seconds']) * 1000;
const CORES = availableParallelism();

interface Run {
  what: string;
  ms: number;
  rssMb: number;
  ok: boolean;
  load: number;
  stages: Record<string, number>;
}

/** A scratch folder inside the repository, so that the generated configs resolve `weft`. */
const scratch = mkdtempSync(join(ROOT, 'test/.scratch-bench-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

function configFor(services: number): string {
  const file = join(scratch, `mesh-${services}.config.ts`);
  writeFileSync(file, `import { generateMesh } from ${JSON.stringify(join(ROOT, 'bench/synth/mesh.ts'))};\nexport default generateMesh(${services});\n`);
  return file;
}

function timed(what: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  const load = loadavg()[0]!;
  const timeFile = join(scratch, `time-${process.hrtime.bigint()}`);
  return new Promise((done) => {
    const start = performance.now();
    const child = spawn('/usr/bin/time', ['-f', '%M', '-o', timeFile, process.execPath, ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', GITHUB_ACTIONS: '', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), Math.max(1000, deadline - Date.now()));
    child.on('close', (code) => {
      clearTimeout(timer);
      const ms = performance.now() - start;
      let rssKb = NaN;
      try {
        rssKb = Number(readFileSync(timeFile, 'utf8').trim().split('\n').pop());
      } catch {}
      const stages: Record<string, number> = {};
      for (const line of err.split('\n')) if (line.startsWith('weft-stages ')) Object.assign(stages, JSON.parse(line.slice('weft-stages '.length)));
      if (code !== 0) process.stderr.write(`${what} failed (exit ${code}):\n${err.slice(-2000)}\n`);
      done({ what, ms, rssMb: rssKb / 1024, ok: code === 0, load, stages });
    });
  });
}

const weftRun = (services: number, config: string) => {
  const out = join(scratch, `dist-${services}-${process.hrtime.bigint()}`);
  return timed(`weft ${services}`, [join(ROOT, 'bin/weft.mjs'), 'synth', '--config', config, '--out', out, '--load-timeout', '3600'], { WEFT_SYNTH_STAGES: '1' }).finally(() => rmSync(out, { recursive: true, force: true }));
};
const plainRun = (services: number) => {
  const out = join(scratch, `plain-${services}-${process.hrtime.bigint()}`);
  mkdirSync(out);
  return timed(`plain ${services}`, ['--import', 'tsx', join(ROOT, 'bench/synth/plain-process.ts'), '--services', String(services), '--out', out]).finally(() =>
    rmSync(out, { recursive: true, force: true }),
  );
};
const exampleRun = () => {
  const out = join(scratch, `example-${process.hrtime.bigint()}`);
  return timed('example', [join(ROOT, 'bin/weft.mjs'), 'synth', '--out', out, '--load-timeout', '3600'], { WEFT_SYNTH_STAGES: '1' }).finally(() => rmSync(out, { recursive: true, force: true }));
};

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fmt = (ms: number) => (Number.isNaN(ms) ? '—' : ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);
const log = (msg: string) => process.stderr.write(`${msg}\n`);
const results = new Map<string, Run[]>();
const record = (r: Run) => {
  results.set(r.what, [...(results.get(r.what) ?? []), r]);
  log(`${r.what}: ${fmt(r.ms)}, ${Math.round(r.rssMb)} MB, load ${r.load.toFixed(1)}${r.ok ? '' : ' FAILED'}`);
};

for (let i = 0; i < Number(values['example-runs']) && Date.now() < deadline; i++) record(await exampleRun());
for (const services of SIZES) {
  const config = configFor(services);
  const runs = services > 2000 ? LARGE_RUNS : RUNS;
  for (let i = 0; i < runs && Date.now() < deadline; i++) {
    record(await weftRun(services, config));
    if (services === 1000 && Date.now() < deadline) record(await plainRun(1000));
  }
}

const ok = (what: string) => (results.get(what) ?? []).filter((r) => r.ok);
const row = (what: string) => {
  const runs = ok(what);
  const stageNames = ['forked', 'loading', 'compiling', 'settling', 'done', 'written'];
  const stages = stageNames.map((s) => median(runs.map((r) => r.stages[s]).filter((x): x is number => x !== undefined)));
  // Stage durations: CLI start (until the compile child is forked), child start, loading
  // mesh.config.ts, compile (analyze, emit, schema check, serialize), settle + transfer, write.
  const durations = stages.map((t, i) => (i === 0 ? t : t - stages[i - 1]!));
  const loads = runs.map((r) => r.load);
  return `| ${what} | ${runs.length}/${(results.get(what) ?? []).length} | ${fmt(median(runs.map((r) => r.ms)))} | ${durations.map(fmt).join(' | ')} | ${runs.length ? `${Math.round(Math.max(...runs.map((r) => r.rssMb)))} MB` : '—'} | ${loads.map((l) => l.toFixed(1)).join(', ')}${loads.some((l) => l > CORES) ? ' (loaded)' : ''} |`;
};

const lines = [
  `Machine: ${cpus()[0]?.model ?? 'unknown'}, ${CORES} cores, Node ${process.version}; ${new Date().toISOString()}.`,
  '',
  '| run | ok/runs | wall (median) | CLI start | child start | load config | compile | settle+transfer | write | peak RSS | load avg at start |',
  '|---|---|---|---|---|---|---|---|---|---|---|',
  row('example'),
  ...SIZES.map((n) => row(`weft ${n}`)),
  row('plain 1000'),
  '',
];
const w1000 = median(ok('weft 1000').map((r) => r.ms));
const p1000 = median(ok('plain 1000').map((r) => r.ms));
const w10000 = median(ok('weft 10000').map((r) => r.ms));
lines.push(`- 1,000 services, every target, files written / plain cdk8s-plus-27 (1,000 services, 3,000 objects): ${(w1000 / p1000).toFixed(2)}× (goal ≤ 1.5×)`);
lines.push(`- 10,000 / 1,000 services: ${(w10000 / w1000).toFixed(2)}× (goal ≤ 12×)`);
lines.push(`- example, cold, median of ${ok('example').length}: ${fmt(median(ok('example').map((r) => r.ms)))} (goal ≤ 1.0 s)`);
process.stdout.write(lines.join('\n') + '\n');
