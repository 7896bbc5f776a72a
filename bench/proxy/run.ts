/**
 * Proxy benchmark: one script, one run, loopback only, every process started here is stopped
 * here. Run: `node --import tsx bench/proxy/run.ts` (needs: apt-get install -y nginx haproxy wrk).
 * It builds the precompiled proxy first (`npm run build:proxy` → lib/weft-proxy.mjs) and runs
 * it as the container image does (same node flags as src/proxy/Dockerfile).
 *
 * Upstream: nginx answering `200 hello world` (C, one worker) so the upstream costs as little
 * CPU as possible. Proxies under test, each forwarding to that upstream:
 *   direct      wrk → upstream (the floor)
 *   nginx       1 worker, upstream keepalive
 *   haproxy     nbthread 1, http-reuse always
 *   http-proxy  npm http-proxy with a keep-alive agent (Node baseline)
 *   node-floor  node:http + undici Pool.dispatch and nothing else (bench/proxy/node-floor.mjs):
 *               what any proxy built on Weft's two building blocks pays
 *   weft        `weft proxy`, single process, realistic config (bench/proxy/weft-config.ts)
 *   weft-2w     the same with `--workers 2` (nginx runs one worker: an extra row, not the goal)
 *   weft-semi4  the same with a 4 MB young-generation semi-space instead of 2 MB: the
 *               memory/CPU trade-off of WEFT_NODE_FLAGS, measured in the same run
 *   weft@before optional (`--before <dir>`): an older checkout of the repository, run as it was
 *               then (`node <dir>/bin/weft.mjs proxy`), for a before/after under the same load
 * Measures, in 3 interleaved rounds (medians reported):
 *   throughput  wrk -t1 -c50 -d<T>s (after a short warm-up)
 *   latency     p50/p99 at a fixed 2,000 rps (bench/proxy/fixed-rate.ts), minus the direct figures
 *   memory      RSS of each Weft process when started (idle) and its peak during the runs
 * The 1-minute load average is printed before each round: the machine is shared.
 * Options: --seconds N (default 8), --rounds N (default 3), --only a,b, --before <dir>
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixedRate, type FixedRateResult } from './fixed-rate';
import { benchWeftConfig } from './weft-config';

const root = fileURLToPath(new URL('../..', import.meta.url));
const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? dflt : process.argv[i + 1]!;
};
const SECONDS = Number(arg('seconds', '8'));
const ROUNDS = Number(arg('rounds', '3'));
const RATE = 2000;
const ONLY = arg('only', '').split(',').filter(Boolean);
const BEFORE = arg('before', '');
/**
 * Node flags of the proxy process, as in src/proxy/Dockerfile: a small young generation
 * (semi-space 2 MB instead of up to 16 MB) and one V8 platform thread keep a worker's RSS
 * under 80 MB; see docs/performance.md#proxy for what they cost.
 */
const WEFT_NODE_FLAGS = ['--max-semi-space-size=2', '--v8-pool-size=1'];

const dir = mkdtempSync(join(tmpdir(), 'weft-bench-'));
const children = new Set<ChildProcess>();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function start(cmd: string, args: string[], name: string): ChildProcess {
  const c = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: root });
  let err = '';
  c.stderr!.on('data', (d) => (err += d));
  c.on('exit', (code, sig) => {
    children.delete(c);
    if (!stopping) console.error(`${name} exited early (${code ?? sig}): ${err.slice(-500)}`);
  });
  children.add(c);
  return c;
}

let stopping = false;
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
// Last resort if we die abruptly: never leave a server behind.
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const p = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

async function waitFor(port: number, path = '/'): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}${path}`).then((r) => r.ok, () => false);
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`nothing answers on ${port}`);
}

function nginxConf(name: string, body: string): string {
  const d = join(dir, name);
  spawnSync('mkdir', ['-p', d]);
  const file = join(d, 'nginx.conf');
  writeFileSync(
    file,
    `worker_processes 1;
daemon off;
pid ${d}/nginx.pid;
error_log ${d}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${d}/body; proxy_temp_path ${d}/proxy; fastcgi_temp_path ${d}/fcgi; uwsgi_temp_path ${d}/uwsgi; scgi_temp_path ${d}/scgi;
  keepalive_requests 1000000;
  keepalive_timeout 75s;
  ${body}
}
`,
  );
  return file;
}

function wrk(port: number, seconds: number): { rps: number; errors: string } {
  const r = spawnSync('wrk', ['-t1', '-c50', `-d${seconds}s`, `http://127.0.0.1:${port}/`], { encoding: 'utf8', timeout: (seconds + 30) * 1000 });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1] ?? NaN);
  const errors = [/Non-2xx or 3xx responses: (\d+)/.exec(r.stdout)?.[0], /Socket errors: .*/.exec(r.stdout)?.[0]].filter(Boolean).join('; ');
  return { rps, errors };
}

/** Child processes of `pid` (the workers of a multi-process proxy). */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

const loadavg = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(): Promise<void> {
  const up = await freePort();
  start('nginx', ['-c', nginxConf('upstream', `server { listen 127.0.0.1:${up}; location / { return 200 "hello world\\n"; } }`)], 'upstream');
  await waitFor(up);

  const targets: Array<{ name: string; port: number; pid?: number }> = [{ name: 'direct', port: up }];

  const ng = await freePort();
  start('nginx', ['-c', nginxConf('nginx', `upstream app { server 127.0.0.1:${up}; keepalive 64; }\n  server { listen 127.0.0.1:${ng}; location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; } }`)], 'nginx');
  targets.push({ name: 'nginx', port: ng });

  const hp = await freePort();
  const hcfg = join(dir, 'haproxy.cfg');
  writeFileSync(
    hcfg,
    `global\n  nbthread 1\n  maxconn 4096\ndefaults\n  mode http\n  timeout connect 5s\n  timeout client 30s\n  timeout server 30s\n  option http-keep-alive\nfrontend f\n  bind 127.0.0.1:${hp}\n  default_backend b\nbackend b\n  http-reuse always\n  server s1 127.0.0.1:${up}\n`,
  );
  start('haproxy', ['-f', hcfg, '-db'], 'haproxy');
  targets.push({ name: 'haproxy', port: hp });

  const np = await freePort();
  start(process.execPath, [join(root, 'bench/proxy/http-proxy-server.mjs'), String(np), `http://127.0.0.1:${up}`], 'http-proxy');
  targets.push({ name: 'http-proxy', port: np });

  const fp = await freePort();
  start(process.execPath, [join(root, 'bench/proxy/node-floor.mjs'), String(fp), `http://127.0.0.1:${up}`], 'node-floor');
  targets.push({ name: 'node-floor', port: fp });

  const build = spawnSync('npm', ['run', '--silent', 'build:proxy'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build:proxy failed: ${build.stderr}`);
  const weftConfig = async (name: string): Promise<{ port: number; file: string }> => {
    const port = await freePort();
    const file = join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify(benchWeftConfig(port, await freePort(), up, join(dir, `${name}-access.log`))));
    return { port, file };
  };
  const lib = join(root, 'lib/weft-proxy.mjs');
  const c1 = await weftConfig('weft');
  targets.push({ name: 'weft', port: c1.port, pid: start(process.execPath, [...WEFT_NODE_FLAGS, lib, '--config', c1.file], 'weft').pid! });
  const c4 = await weftConfig('weft-semi4');
  const semi4 = WEFT_NODE_FLAGS.map((f) => (f.startsWith('--max-semi-space-size=') ? '--max-semi-space-size=4' : f));
  targets.push({ name: 'weft-semi4', port: c4.port, pid: start(process.execPath, [...semi4, lib, '--config', c4.file], 'weft-semi4').pid! });
  const c2 = await weftConfig('weft-2w');
  targets.push({ name: 'weft-2w', port: c2.port, pid: start(process.execPath, [...WEFT_NODE_FLAGS, lib, '--config', c2.file, '--workers', '2'], 'weft-2w').pid! });
  if (BEFORE) {
    const cb = await weftConfig('weft-before');
    targets.push({ name: 'weft@before', port: cb.port, pid: start(process.execPath, [join(BEFORE, 'bin/weft.mjs'), 'proxy', '--config', cb.file], 'weft@before').pid! });
  }

  for (const t of targets) await waitFor(t.port);
  const selected = ONLY.length ? targets.filter((t) => ONLY.includes(t.name) || t.name === 'direct') : targets;

  // Memory: each Weft process (and each worker of weft-2w), idle after start, then peak.
  const weftTargets = targets.filter((t) => t.pid !== undefined);
  const processesOf = (t: { pid?: number }) => [t.pid!, ...childrenOf(t.pid!)];
  await sleep(1000);
  const pids = new Map(weftTargets.map((t) => [t.name, processesOf(t)]));
  const idleRss = new Map<number, number>();
  const peakRss = new Map<number, number>();
  for (const list of pids.values()) for (const pid of list) idleRss.set(pid, rssOf(pid));
  for (const [pid, rss] of idleRss) peakRss.set(pid, rss);
  const rssTimer = setInterval(() => {
    for (const list of pids.values()) for (const pid of list) peakRss.set(pid, Math.max(peakRss.get(pid) ?? 0, rssOf(pid)));
  }, 250);
  const mb = (b: number | undefined) => `${((b ?? 0) / 1024 / 1024).toFixed(1)} MB`;

  const rps = new Map<string, number[]>();
  const lat = new Map<string, FixedRateResult[]>();
  const notes: string[] = [];
  const loads: string[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    loads.push(loadavg());
    console.error(`round ${round}: load average ${loads.at(-1)}`);
    for (const t of selected) {
      wrk(t.port, 2); // warm-up: JIT, connection pools
      const r = wrk(t.port, SECONDS);
      if (r.errors) notes.push(`round ${round} ${t.name}: ${r.errors}`);
      rps.set(t.name, [...(rps.get(t.name) ?? []), r.rps]);
      console.error(`round ${round} ${t.name.padEnd(10)} ${r.rps.toFixed(0)} rps ${r.errors}`);
    }
    for (const t of selected) {
      await fixedRate(`http://127.0.0.1:${t.port}/`, RATE, 1); // warm-up: generator JIT, connections
      const r = await fixedRate(`http://127.0.0.1:${t.port}/`, RATE, SECONDS);
      if (r.errors) notes.push(`round ${round} ${t.name}: ${r.errors} errors at fixed rate`);
      lat.set(t.name, [...(lat.get(t.name) ?? []), r]);
      console.error(`round ${round} ${t.name.padEnd(10)} @${RATE}rps p50 ${r.p50.toFixed(3)} ms p99 ${r.p99.toFixed(3)} ms (achieved ${r.achievedRps.toFixed(0)} rps, max lag ${r.maxLagMs.toFixed(1)} ms)`);
    }
  }
  clearInterval(rssTimer);

  const med = (name: string) => ({
    rps: median(rps.get(name)!),
    p50: median(lat.get(name)!.map((r) => r.p50)),
    p99: median(lat.get(name)!.map((r) => r.p99)),
  });
  const d = med('direct');
  const n = selected.some((t) => t.name === 'nginx') ? med('nginx') : null;
  const h = selected.some((t) => t.name === 'http-proxy') ? med('http-proxy') : null;
  const lines = [
    `| configuration | req/s @ 50 conns | p50 @ ${RATE} rps | p99 @ ${RATE} rps | added p50 | added p99 |`,
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const t of selected) {
    const m = med(t.name);
    const added = t.name === 'direct' ? ['—', '—'] : [`${(m.p50 - d.p50).toFixed(3)} ms`, `${(m.p99 - d.p99).toFixed(3)} ms`];
    lines.push(`| ${t.name} | ${m.rps.toFixed(0)} | ${m.p50.toFixed(3)} ms | ${m.p99.toFixed(3)} ms | ${added[0]} | ${added[1]} |`);
  }
  const w = med('weft');
  // Rounds are interleaved, so the ratio within a round is less exposed to the shared machine's
  // changing load than the ratio of medians; both are reported.
  const roundRatio = (a: string, b: string) => median(rps.get(a)!.map((x, i) => x / rps.get(b)![i]!)).toFixed(2);
  lines.push('');
  if (n) lines.push(`- Weft / nginx throughput: **${(w.rps / n.rps).toFixed(2)}×** (median of per-round ratios ${roundRatio('weft', 'nginx')}×; goal ≥ 0.40)`);
  if (h) lines.push(`- Weft / http-proxy throughput: **${(w.rps / h.rps).toFixed(2)}×** (median of per-round ratios ${roundRatio('weft', 'http-proxy')}×; goal ≥ 1.7)`);
  const f = selected.some((t) => t.name === 'node-floor') ? med('node-floor') : null;
  if (f) lines.push(`- Weft / node-floor throughput: ${(w.rps / f.rps).toFixed(2)}× (the cost of every feature)${n ? `; node-floor / nginx: ${(f.rps / n.rps).toFixed(2)}× (the cost of the platform)` : ''}`);
  lines.push(`- Weft added latency at ${RATE} rps: p50 **${(w.p50 - d.p50).toFixed(3)} ms** (goal ≤ 0.15), p99 **${(w.p99 - d.p99).toFixed(3)} ms** (goal ≤ 0.5)`);
  const w2 = selected.some((t) => t.name === 'weft-2w') ? med('weft-2w') : null;
  if (n && w2) lines.push(`- Weft --workers 2 / nginx (1 worker) throughput: ${(w2.rps / n.rps).toFixed(2)}× (extra row)`);
  for (const [name, list] of pids) {
    lines.push(
      `- ${name} RSS: idle ${list.map((pid) => mb(idleRss.get(pid))).join(' + ')}, peak ${list.map((pid) => mb(peakRss.get(pid))).join(' + ')}` +
        (list.length > 1 ? ' (primary + workers)' : '') +
        (name === 'weft' ? ' (goal ≤ 80 MB per worker)' : ''),
    );
  }
  lines.push(`- load average (1/5/15 min) before each round: ${loads.join('; ')}`);
  if (notes.length) lines.push(`- notes: ${notes.join('; ')}`);
  console.log(lines.join('\n'));
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => stopAll());
