/**
 * Where the proxy's memory goes: `node --import tsx bench/proxy/memory.ts` (needs nginx and a C
 * compiler, like run.ts). Builds lib/weft-proxy.mjs and runs it as the image does (the flags of
 * src/proxy/Dockerfile, bench/proxy/runtimes.ts) with the benchmark's every-feature config
 * (`realistic`) and a plain HTTP/1.1 one (`plain`: one route, one upstream, no metrics, access
 * log or tracing — what Weft costs before its features), on Node 20 and Node 24, next to an
 * empty Node process (the runtime's own floor). Each process also reports which of the
 * on-demand built-ins (node:tls, node:http2, …; src/proxy/builtins-on-demand.ts) it loaded. For each it
 * prints, idle and after a bounded fixed-rate load (`--requests` at `--rate`, the generator of
 * run.ts): RSS and peak RSS (VmHWM), process.memoryUsage(), V8's heap spaces and code
 * statistics (bytecode, machine code, script source: the bundle's parse/compile cost), and,
 * after the load, the largest object groups of a heap snapshot (shallow size by constructor,
 * as DevTools' "Summary"). `--variant name='--flag …'` (repeatable) adds a process with other
 * Node flags; variants are measured in interleaved rounds (`--rounds`) with their CPU µs per
 * request (utime+stime from /proc: flags must not raise it), p50/p99 and, with `--trace-gc`,
 * the GC pauses during the load.
 *
 * The proxy process gets one addition: bench/proxy/memory-probe.mjs, preloaded with `--import`,
 * answers the breakdown over an IPC channel (no timer, no listener).
 * Options: --requests N (20000) --rate N (2000) --rounds N (1) --variant name=flags … --trace-gc
 *          --configs realistic,plain
 *          --runtimes node20,node24 --no-node24 --no-snapshot --no-build --no-image --bundle FILE (another build, e.g. a
 *          `git archive` of an older commit built by its own src/proxy/build.ts: before/after)
 *          --before FILE (that other build measured in the same run, interleaved with the tree's:
 *          the fairest before/after, since the machine's page cache and load are the same for both)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixedRate, type FixedRateResult } from './fixed-rate';
import { freePort, helloServer, nginxConf, sleep, waitForHttp } from './harness';
import { summarizeGcTrace, type GcSummary } from './gc-trace';
import { largestObjectGroups } from './heap-snapshot';
import { ask, askStats, breakdown, mb, MEMORY_PROBE as PROBE } from './memory-stats';
import { node24, WEFT_NODE_FLAGS } from './runtimes';
import { cpuMicrosPerRequest, cpuTicks, loadAverage1m, refuseRound } from './validity';
import { benchWeftConfig, plainWeftConfig } from './weft-config';

const root = fileURLToPath(new URL('../..', import.meta.url));
const argv = process.argv.slice(2);
const arg = (name: string, dflt: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i === -1 ? dflt : argv[i + 1]!;
};
const flag = (name: string): boolean => argv.includes(`--${name}`);
const REQUESTS = Number(arg('requests', '20000'));
const RATE = Number(arg('rate', '2000'));
const ROUNDS = Number(arg('rounds', '1'));
/** The configs to run: the benchmark's every-feature one, and plain HTTP/1.1 forwarding. */
const CONFIGS = arg('configs', 'realistic,plain').split(',');
const HZ = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);

/** `--variant name='--flag … NAME=value'` (repeatable): other Node flags and environment, measured beside the image's. */
const variants: Array<[string, string[]]> = [];
if (!flag('no-image')) variants.push(['image', WEFT_NODE_FLAGS]);
argv.forEach((a, i) => {
  if (a !== '--variant') return;
  const [name, ...rest] = argv[i + 1]!.split('=');
  variants.push([name!, rest.join('=').split(/\s+/).filter(Boolean)]);
});

const ENV_TOKEN = /^[A-Z_][A-Z0-9_]*=/;
const dir = mkdtempSync(join(tmpdir(), 'weft-memory-'));
const children = new Set<ChildProcess>();

interface Subject {
  name: string;
  child: ChildProcess;
  port: number;
  stdout: string;
  rounds: Array<{ cpuUs: number; run: FixedRateResult; gc: GcSummary | null }>;
}

async function main(): Promise<void> {
  const load = loadAverage1m(readFileSync('/proc/loadavg', 'utf8'));
  const bundle = arg('bundle', '');
  if (!flag('no-build') && !bundle) {
    const b = spawnSync('npm', ['run', '--silent', 'build:proxy'], { cwd: root, encoding: 'utf8' });
    if (b.status !== 0) throw new Error(`npm run build:proxy failed: ${b.stderr}`);
  }
  const lib = bundle || join(root, 'lib/weft-proxy.mjs');
  const before = arg('before', '');
  const builds: Array<[string, string]> = before ? [['before', before], ['after', lib]] : [['', lib]];
  const up = await freePort();
  const nginx = spawn('nginx', ['-c', nginxConf(join(dir, 'nginx'), helloServer(up))], { stdio: 'ignore' });
  children.add(nginx);
  await waitForHttp(`http://127.0.0.1:${up}/`);

  const wanted = arg('runtimes', 'node20,node24').split(',');
  const runtimes: Array<[string, string]> = wanted.includes('node20') ? [['node20', process.execPath]] : [];
  const n24 = flag('no-node24') || !wanted.includes('node24') ? null : node24();
  if (n24) runtimes.push(['node24', n24]);
  const subjects: Subject[] = [];
  const floors: Array<[string, ChildProcess]> = [];
  for (const [rt, node] of runtimes) {
    // The runtime's own floor: an empty Node process with the probe, kept alive by a timer.
    const empty = spawn(node, [...WEFT_NODE_FLAGS, '--import', PROBE, '-e', 'setInterval(() => {}, 60_000)'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    children.add(empty);
    floors.push([`${rt} empty process`, empty]);
    for (const [build, file] of builds) for (const [variant, flags] of variants) for (const config of CONFIGS) {
      const port = await freePort();
      const configFile = join(dir, `${rt}-${build}-${variant}-${config}.json`);
      const admin = await freePort();
      writeFileSync(configFile, JSON.stringify(config === 'plain' ? plainWeftConfig(port, admin, up) : benchWeftConfig(port, admin, up, join(dir, `${rt}-${build}-${variant}-access.log`))));
      // `NAME=value` tokens of a variant are environment variables (MALLOC_ARENA_MAX=2), the rest Node flags.
      const env = Object.fromEntries(flags.filter((f) => ENV_TOKEN.test(f)).map((f) => [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)]));
      const nodeFlags = flags.filter((f) => !ENV_TOKEN.test(f));
      const child = spawn(node, [...nodeFlags, ...(flag('trace-gc') ? ['--trace-gc'] : []), '--import', PROBE, file, '--config', configFile], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'], cwd: root, env: { ...process.env, ...env } });
      children.add(child);
      const s: Subject = { name: `weft ${rt} ${build ? `${build} ` : ''}${variant} ${config} config (${flags.join(' ') || 'no flags'})`, child, port, stdout: '', rounds: [] };
      child.stdout!.on('data', (d) => (s.stdout += d));
      subjects.push(s);
    }
  }
  for (const s of subjects) await waitForHttp(`http://127.0.0.1:${s.port}/`);
  await sleep(1000);
  if (flag('pause')) {
    // Manual inspection (/proc/<pid>/smaps, perf): the pids, then 60 s before and after the load.
    console.error(subjects.map((s) => `${s.name}: pid ${s.child.pid}, port ${s.port}`).join('\n'));
    await sleep(60_000);
  }

  const lines: string[] = [`load average (1 min) at start: ${load.toFixed(2)}; ${REQUESTS} requests at ${RATE} rps per round, ${ROUNDS} round(s); runtimes ${runtimes.map(([r, n]) => `${r} ${spawnSync(n, ['--version'], { encoding: 'utf8' }).stdout.trim()}`).join(', ')}`];
  // Memory figures hold on a busy machine; CPU and latency figures do not (bench/proxy/validity.ts).
  const busy = refuseRound(load);
  if (busy) lines.push(`⚠ ${busy}: CPU µs/request and latencies below are best effort`);
  for (const [name, child] of floors) lines.push(`${name}:`, ...breakdown('idle', child.pid!, await askStats(child)));
  const idle = new Map<Subject, string[]>();
  for (const s of subjects) idle.set(s, breakdown('idle', s.child.pid!, await askStats(s.child)));

  const seconds = REQUESTS / RATE;
  // Warm-up (JIT tiers, connection pools), as run.ts does: round 1 then compares with the others.
  for (const s of subjects) await fixedRate(`http://127.0.0.1:${s.port}/`, RATE, 1);
  for (let round = 1; round <= ROUNDS; round++) {
    for (const s of subjects) {
      const url = `http://127.0.0.1:${s.port}/`;
      const pid = s.child.pid!;
      const ticks0 = cpuTicks(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      const gcFrom = s.stdout.length;
      const run = await fixedRate(url, RATE, seconds);
      const ticks = cpuTicks(readFileSync(`/proc/${pid}/stat`, 'utf8')) - ticks0;
      const gc = flag('trace-gc') ? summarizeGcTrace(s.stdout.slice(gcFrom)) : null;
      s.rounds.push({ cpuUs: cpuMicrosPerRequest(ticks, run.ok + run.errors, HZ), run, gc });
      console.error(`round ${round} ${s.name}: ${s.rounds.at(-1)!.cpuUs.toFixed(1)} µs CPU/req, p50 ${run.p50.toFixed(3)} p99 ${run.p99.toFixed(3)} ms, ${run.errors} errors, lag p99 ${run.lagP99Ms.toFixed(2)} ms`);
    }
  }

  if (flag('pause')) {
    console.error('load done; 60 s for inspection');
    await sleep(60_000);
  }
  for (const s of subjects) {
    lines.push('', `${s.name}:`, ...idle.get(s)!, ...breakdown(`after ${REQUESTS * ROUNDS + RATE} requests`, s.child.pid!, await askStats(s.child)));
    for (const [i, r] of s.rounds.entries()) {
      const gc = r.gc ? `; GC during the load: ${r.gc.text}` : '';
      lines.push(`  round ${i + 1}: ${r.cpuUs.toFixed(1)} µs CPU/request, p50 ${r.run.p50.toFixed(3)} ms, p99 ${r.run.p99.toFixed(3)} ms, ${r.run.errors} errors${gc}`);
    }
  }
  if (!flag('no-snapshot')) {
    // Last: writing a snapshot runs a full GC and grows the process for a while.
    for (const s of subjects) {
      const file = (await ask<{ file: string }>(s.child, { type: 'snapshot', file: join(dir, `${s.child.pid}.heapsnapshot`) }, 'snapshot')).file;
      lines.push('', `${s.name}: largest object groups after the load (heap snapshot, shallow size):`);
      for (const g of largestObjectGroups(readFileSync(file, 'utf8'), 15)) lines.push(`  ${mb(g.size).padStart(6)} MB ${String(g.count).padStart(8)} × ${g.name}`);
      rmSync(file, { force: true });
    }
  }
  console.log(lines.join('\n'));
}

async function stopAll(): Promise<void> {
  for (const c of children) c.kill('SIGTERM');
  const deadline = Date.now() + 5000;
  while ([...children].some((c) => c.exitCode === null && c.signalCode === null) && Date.now() < deadline) await sleep(50);
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
}

process.on('SIGINT', () => void stopAll().then(() => process.exit(130)));
main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => stopAll());
