/**
 * The synth benchmark: Weft's whole compile for the Kubernetes target against a plain
 * cdk8s-plus-27 program writing only the Deployments and Services of the same services.
 * Every run is a fresh child process (`one.ts`), runs are interleaved (weft, plain, weft, …)
 * so that machine noise hits both alike, and the median is reported.
 *
 *   node --import tsx bench/synth/in-memory.ts [--runs 5] [--sizes 100,1000,10000] [--limit-seconds 600]
 *
 * Prints a Markdown report on stdout (pasted into docs/performance.md, section "Synth").
 */
import { spawn } from 'node:child_process';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

interface Run {
  kind: 'weft' | 'plain';
  services: number;
  /** Compile time measured inside the child, after module loading. */
  ms?: number;
  /** Whole child process, node start to exit. */
  processMs: number;
  stages?: Record<string, number>;
  objects?: number;
  bytes?: number;
  warnings?: number;
  timedOut: boolean;
  /** 1-minute load average when the run started (the machine is shared). */
  load: number;
}

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '5' }, sizes: { type: 'string', default: '100,1000,10000' }, 'limit-seconds': { type: 'string', default: '600' } },
});
const RUNS = Number(values.runs);
const SIZES = values.sizes!.split(',').map(Number);
const deadline = Date.now() + Number(values['limit-seconds']) * 1000;
const ONE = fileURLToPath(new URL('./one.ts', import.meta.url));

function runOnce(kind: 'weft' | 'plain', services: number, timeoutMs: number): Promise<Run> {
  const load = loadavg()[0]!;
  return new Promise((resolve) => {
    const start = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', ONE, '--kind', kind, '--services', String(services)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, Math.max(1000, timeoutMs));
    child.on('close', (code) => {
      clearTimeout(timer);
      const processMs = performance.now() - start;
      if (timedOut || code !== 0) {
        const stages: Record<string, number> = {};
        for (const line of err.split('\n')) if (line.startsWith('{')) Object.assign(stages, (({ stage, ms }) => ({ [stage]: ms }))(JSON.parse(line) as { stage: string; ms: number }));
        if (!timedOut) process.stderr.write(`run failed (${kind} ${services}): ${err}\n`);
        resolve({ kind, services, processMs, stages, timedOut: true, load });
        return;
      }
      resolve({ ...(JSON.parse(out.trim().split('\n').pop()!) as Omit<Run, 'processMs' | 'timedOut' | 'load'>), processMs, timedOut: false, load });
    });
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fmt = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);
const log = (msg: string) => process.stderr.write(`${msg}\n`);
const remaining = () => deadline - Date.now();

const results = new Map<string, Run[]>();
const push = (r: Run) => results.set(`${r.kind}:${r.services}`, [...(results.get(`${r.kind}:${r.services}`) ?? []), r]);

// 1,000 services first: the Weft/plain ratio is the headline figure.
const order = [1000, ...SIZES.filter((n) => n !== 1000)].filter((n) => SIZES.includes(n));
for (const n of order) {
  const runs = n >= 10_000 ? Math.min(RUNS, 3) : n === 1000 ? RUNS : Math.min(RUNS, 3);
  for (let i = 0; i < runs; i++) {
    const kinds: ('weft' | 'plain')[] = n === 1000 ? ['weft', 'plain'] : ['weft'];
    for (const kind of kinds) {
      if (remaining() <= 0) break;
      const r = await runOnce(kind, n, remaining());
      log(`${kind} ${n} run ${i + 1}/${runs}: ${r.timedOut ? `stopped after ${fmt(r.processMs)}` : fmt(r.ms!)} (load ${r.load.toFixed(2)})`);
      push(r);
      if (r.timedOut) break;
    }
    if ((results.get(`weft:${n}`) ?? []).some((r) => r.timedOut)) break; // no point repeating a run that hit the limit
  }
}

const cpu = cpus()[0]?.model ?? 'unknown CPU';
const lines: string[] = [];
lines.push(`Machine: ${availableParallelism()} cores (${cpu}), Node ${process.version}, ${process.platform}/${process.arch}.`, '');
lines.push('| run | services | objects | YAML bytes | median compile | median process | per service | runs | load (1 min) |', '|---|---:|---:|---:|---:|---:|---:|---:|---|');
const loads = (rs: Run[]) => `${Math.min(...rs.map((r) => r.load)).toFixed(1)}–${Math.max(...rs.map((r) => r.load)).toFixed(1)}`;
const stageRows: string[] = [];
for (const n of [...SIZES].sort((a, b) => a - b)) {
  for (const kind of ['weft', 'plain'] as const) {
    const rs = results.get(`${kind}:${n}`);
    if (!rs?.length) continue;
    const done = rs.filter((r) => !r.timedOut);
    if (done.length === 0) {
      const r = rs[0]!;
      lines.push(`| ${kind} | ${n} | – | – | stopped at the time limit after ${fmt(r.processMs)} | – | – | 0 | ${loads(rs)} |`);
      stageRows.push(`| ${kind} | ${n} | ${['constructs', 'model', 'analyze', 'emit', 'schemaCheck', 'serialize'].map((s) => (r.stages?.[s] !== undefined ? fmt(r.stages[s]!) : '(not reached)')).join(' | ')} |`);
      continue;
    }
    const ms = median(done.map((r) => r.ms!));
    lines.push(`| ${kind} | ${n} | ${done[0]!.objects} | ${done[0]!.bytes} | ${fmt(ms)} | ${fmt(median(done.map((r) => r.processMs)))} | ${(ms / n).toFixed(2)} ms | ${done.length} | ${loads(done)} |`);
    if (kind === 'weft') {
      const st = (s: string) => fmt(median(done.map((r) => r.stages![s]!)));
      stageRows.push(`| weft | ${n} | ${['constructs', 'model', 'analyze', 'emit', 'schemaCheck', 'serialize'].map(st).join(' | ')} |`);
    }
  }
}
lines.push('', 'Median time per stage (Weft):', '', '| run | services | constructs | model | analyze | emit | schema check | serialize |', '|---|---:|---:|---:|---:|---:|---:|---:|', ...stageRows);
const w = results.get('weft:1000')?.filter((r) => !r.timedOut) ?? [];
const p = results.get('plain:1000')?.filter((r) => !r.timedOut) ?? [];
if (w.length && p.length) {
  const ratio = median(w.map((r) => r.ms!)) / median(p.map((r) => r.ms!));
  const ratioNoAnalyze = median(w.map((r) => r.ms! - r.stages!.analyze!)) / median(p.map((r) => r.ms!));
  const ratioProcess = median(w.map((r) => r.processMs)) / median(p.map((r) => r.processMs));
  // Runs are interleaved (weft, plain, weft, …): the ratio of each pair saw the same load.
  const pairs = w.flatMap((r, i) => (p[i] ? [r.ms! / p[i]!.ms!] : []));
  lines.push('', `Weft/plain at 1,000 services: **${ratio.toFixed(2)}** (compile, ratio of medians), ${median(pairs).toFixed(2)} (median of the ${pairs.length} interleaved pairs: ${pairs.map((x) => x.toFixed(2)).join(', ')}), ${ratioProcess.toFixed(2)} (whole process), ${ratioNoAnalyze.toFixed(2)} without the analyze stage. Goal: ≤ 1.5.`);
}
console.log(lines.join('\n'));
