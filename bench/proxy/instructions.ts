/**
 * Load-insensitive cost per request of the proxy's data path, Weft next to the raw node:net
 * forwarder (bench/proxy/net-floor.mjs), at a fixed request count:
 *   node --import tsx bench/proxy/instructions.ts [--requests 20000] [--warmup 5000]
 *     [--connections 1] [--only weft,net-floor,weft-bare] [--counter auto|perf|callgrind|none] [--syscalls]
 *     [--bundle <weft-proxy.mjs>] [--keep <dir>] [--perf-record <file>] [--node-flags "<flags>"]
 *     [--features [all|retries,timeouts,…]]
 *
 * Why: the machine is shared, so wall-clock and even CPU-time figures move with the load of
 * others; what a request costs in work does not. Per target and per request it reports
 * - `instr`: user-space instructions retired — `perf stat -e instructions:u` attached around the
 *   measured requests where the machine exposes a PMU; otherwise (VMs without one: perf says
 *   "not supported") with `--counter callgrind`, valgrind's instruction count (Ir) of the same
 *   window, zeroed and dumped with callgrind_control. Under callgrind the process runs ~50×
 *   slower, so its timers fire relatively earlier; the count is still the JIT-compiled steady
 *   state (V8 tiers up by invocation counts, not by time);
 * - `cpu`: on-CPU nanoseconds of all the process's threads (/proc/<pid>/task/<tid>/schedstat,
 *   nanosecond resolution), which stays comparable between runs as long as CPU frequency and
 *   caches do — the least load-proof figure here;
 * - `scav`, `mc`: V8 scavenges and full (mark-compact) GCs per 1,000 requests, and `alloc`:
 *   bytes allocated on the V8 heap per request (the sum of `allocated=` of --trace-gc-nvp lines
 *   in the window; it excludes Buffer backing stores, which live outside the heap);
 * - with `--syscalls`: system calls per request by name (`strace -c -f` attached to the
 *   window; a separate pass, since strace slows every call).
 * The load is closed-loop: `--connections` keep-alive connections (default 1, the pattern of the
 * benchmark's 2,000 rps, where requests rarely overlap), each sending its next request when the
 * last response has ended, `--warmup` requests first (JIT, pools), then `--requests` measured.
 * Upstream: nginx answering `200 hello world`, as in run.ts. Weft runs as the image runs it
 * (the bundle built into a private temp dir, the Dockerfile's node flags); net-floor as run.ts
 * starts it. Tools: nginx; perf (Debian linux-perf), valgrind and strace only for the figures
 * that need them. `--bundle` measures a bundle built elsewhere instead (before/after: build an older
 * checkout's with its own `src/proxy/build.ts <out>`). `--keep <dir>` keeps the callgrind dumps
 * there, for `callgrind_annotate --inclusive=yes <dump>` (builtins, runtime and GC by symbol; JIT
 * code shows as `???`: see profile.ts for JavaScript functions). `--perf-record <file>` records
 * on-CPU samples with call stacks of the measured window into `<file>.<target>` (`perf record -g
 * -e cpu-clock`, the target run with `--perf-basic-prof` so that JIT frames have names; read it
 * with `perf report -i` or `perf script`): unlike profile.ts's V8 profile it counts CPU, not
 * wall-clock time, and sees every thread (libuv's pool, V8's compiler and GC helpers).
 * `--node-flags "<flags>"` adds node/V8 flags to the weft and net-floor processes; with
 * `--trace-opt --trace-deopt` it prints the optimizations and deoptimizations inside the window;
 * with `--cpu-prof --cpu-prof-dir=<dir> --import=data:text/javascript,process.on('SIGTERM',()=>process.exit(0))`
 * both write a V8 profile on exit (net-floor has no SIGTERM handler of its own).
 * `--only weft-bare` measures the proxy with plainWeftConfig (one route, no metrics, access log
 * or tracing): `weft-bare − net-floor` is what the codec and connection cost above Node's I/O.
 * `--features` adds one weft target per feature of bench/proxy/weft-config.ts switched off
 * (`weft-no-<feature>`; a comma list after it picks features), measured like `weft`, and a
 * per-feature table: what switching the feature off saves in bytes allocated, scavenges and
 * instructions (or CPU) per request. Allocations and GC counts repeat to ±1 % on a loaded
 * machine; CPU does not (±40 %), so under load the alloc column is the one to cut by, and
 * `--counter callgrind` gives instructions (slow: ~1 min per target).
 * Every process started here is stopped here; every wait is bounded.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WEFT_NODE_FLAGS } from './runtimes';
import { freePort, helloServer, nginxConf, sleep } from './harness';
import { benchWeftConfig, FEATURES, plainWeftConfig, type Feature } from './weft-config';

const root = fileURLToPath(new URL('../..', import.meta.url));
const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? dflt : process.argv[i + 1]!;
};
const REQUESTS = Number(arg('requests', '20000'));
const WARMUP = Number(arg('warmup', '5000'));
const CONNECTIONS = Number(arg('connections', '1'));
const ONLY = arg('only', 'weft,net-floor').split(',').filter(Boolean);
const COUNTER = arg('counter', 'auto');
const SYSCALLS = process.argv.includes('--syscalls');
const BUNDLE = arg('bundle', '');
const KEEP = arg('keep', '');
/** `--perf-record <file>`: on-CPU samples of the measured window (`perf record -e cpu-clock`, JIT symbols from `--perf-basic-prof`) into <file>, for `perf report -i <file>`. */
const PERF_RECORD = arg('perf-record', '');
/** `--node-flags "<flags>"`: extra node/V8 flags for the weft and net-floor processes (e.g. `--trace-deopt`; its output goes to the GC trace pipe and is ignored). */
const NODE_FLAGS = arg('node-flags', '').split(' ').filter(Boolean);
/** `--features [list]`: also measure the config with each feature (or each listed one) switched off. */
const FEATURE_LIST: Feature[] = (() => {
  const i = process.argv.indexOf('--features');
  if (i === -1) return [];
  const list = process.argv[i + 1];
  if (list === undefined || list.startsWith('--') || list === 'all') return [...FEATURES];
  const picked = list.split(',').filter(Boolean);
  const unknown = picked.filter((f) => !(FEATURES as readonly string[]).includes(f));
  if (unknown.length > 0) throw new Error(`--features: unknown ${unknown.join(', ')} (known: ${FEATURES.join(', ')})`);
  return picked as Feature[];
})();

const dir = mkdtempSync(join(tmpdir(), 'weft-instr-'));
const children = new Set<ChildProcess>();

function start(cmd: string, args: string[], stdout: 'ignore' | 'pipe' = 'ignore'): ChildProcess {
  const c = spawn(cmd, args, { stdio: ['ignore', stdout, 'pipe'], cwd: root });
  let err = '';
  c.stderr!.on('data', (d) => (err = (err + d).slice(-2000)));
  c.on('exit', () => children.delete(c));
  (c as ChildProcess & { errText: () => string }).errText = () => err;
  children.add(c);
  return c;
}

async function stop(c: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', ms = 15_000): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise<void>((r) => c.once('exit', () => r()));
  c.kill(signal);
  // A cleared timer: a pending one kept the script alive up to `ms` after its last child had exited.
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)));
  const inTime = await Promise.race([exited.then(() => true), late]);
  clearTimeout(timer);
  if (inTime) return;
  c.kill('SIGKILL');
  await exited;
}

/** Closed-loop load: `count` GETs over `connections` keep-alive connections; rejects past `timeoutMs`. */
function drive(port: number, count: number, connections: number, timeoutMs: number): Promise<{ ok: number; errors: number }> {
  const request = Buffer.from(`GET / HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nuser-agent: weft-bench\r\n\r\n`, 'latin1');
  return new Promise((resolve, reject) => {
    let sent = 0;
    let done = 0;
    let ok = 0;
    let errors = 0;
    let open = 0;
    const timer = setTimeout(() => reject(new Error(`load did not finish within ${timeoutMs} ms (${done}/${count})`)), timeoutMs);
    const finish = (): void => {
      if (done === count || open === 0) {
        clearTimeout(timer);
        resolve({ ok, errors: errors + (count - done) });
      }
    };
    for (let c = 0; c < Math.min(connections, count); c++) {
      const socket = connect({ host: '127.0.0.1', port, noDelay: true });
      open++;
      let buf: Buffer = Buffer.alloc(0);
      const next = (): void => {
        if (sent >= count) return void socket.end();
        sent++;
        socket.write(request);
      };
      socket.on('connect', next);
      socket.on('data', (chunk: Buffer) => {
        buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
        for (;;) {
          const end = buf.indexOf('\r\n\r\n');
          if (end < 0) return;
          const head = buf.toString('latin1', 0, end);
          const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
          if (length === null) return void socket.destroy(new Error(`unframed response: ${head.slice(0, 200)}`));
          const size = end + 4 + Number(length[1]);
          if (buf.length < size) return;
          if (head.startsWith('HTTP/1.1 200')) ok++;
          else errors++;
          done++;
          buf = buf.subarray(size);
          next();
        }
      });
      socket.on('error', () => {});
      socket.on('close', () => {
        open--;
        finish();
      });
    }
  });
}

/** On-CPU nanoseconds of every thread of `pid` (schedstat's first field). */
function cpuNanos(pid: number): number {
  let sum = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      sum += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return sum;
}

/** V8 GC lines (--trace-gc-nvp) seen on a child's stdout, line-buffered by stdbuf. */
class GcTrace {
  scavenges = 0;
  fullGcs = 0;
  allocated = 0;
  /** With `--node-flags "--trace-opt --trace-deopt"`: optimizations completed and deoptimizations, and what deoptimized. */
  optimized = 0;
  deoptimized = 0;
  readonly deopts: string[] = [];
  private partial = '';
  constructor(child: ChildProcess) {
    child.stdout!.setEncoding('latin1');
    child.stdout!.on('data', (d: string) => {
      const lines = (this.partial + d).split('\n');
      this.partial = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('[completed') && line.includes('optimizing')) this.optimized++;
        if (line.startsWith('[bailout') || line.includes('deoptimizing')) {
          this.deoptimized++;
          if (this.deopts.length < 200) this.deopts.push(line.slice(0, 240));
        }
        const gc = / gc=(\w+) /.exec(line);
        if (gc === null) continue;
        if (gc[1] === 's' || gc[1] === 'mmc' || gc[1] === 'ms') this.scavenges++;
        else this.fullGcs++;
        this.allocated += Number(/ allocated=(\d+)/.exec(line)?.[1] ?? 0);
      }
    });
  }
  snapshot(): { scavenges: number; fullGcs: number; allocated: number; optimized: number; deoptimized: number } {
    return { scavenges: this.scavenges, fullGcs: this.fullGcs, allocated: this.allocated, optimized: this.optimized, deoptimized: this.deoptimized };
  }
}

interface Target {
  name: string;
  /** The node command line (flags and script) without the node binary. */
  args: (port: number, admin: number) => string[];
}

const perfSupported = (): boolean => {
  const r = spawnSync('perf', ['stat', '-x,', '-e', 'instructions:u', '--', 'true'], { encoding: 'utf8' });
  return r.status === 0 && !/not supported|not counted/.test(r.stderr);
};

interface Row {
  name: string;
  requests: number;
  cpuNsPerReq: number;
  instrPerReq: number | null;
  instrSource: string;
  scavengesPer1k: number;
  fullGcsPer1k: number;
  allocPerReq: number;
  syscalls: Array<[string, number]> | null;
}

async function waitListening(port: number, child: ChildProcess, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited early: ${(child as ChildProcess & { errText: () => string }).errText()}`);
    const up = await new Promise<boolean>((r) => {
      const s = connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        r(true);
      });
      s.on('error', () => r(false));
    });
    if (up) return;
    await sleep(100);
  }
  throw new Error(`nothing listens on ${port} after ${ms} ms`);
}

/** One pass over one target: plain (cpu, GC, perf), callgrind (Ir) or strace (syscalls). */
async function pass(t: Target, mode: 'plain' | 'callgrind' | 'strace', usePerf: boolean): Promise<Partial<Row>> {
  const port = await freePort();
  const admin = await freePort();
  const slow = mode === 'callgrind' ? 80 : mode === 'strace' ? 10 : 1;
  let child: ChildProcess;
  let gc: GcTrace | null = null;
  const cgOut = join(dir, `callgrind.${t.name}.out`);
  if (mode === 'callgrind') {
    child = start('valgrind', ['--tool=callgrind', `--callgrind-out-file=${cgOut}`, '--dump-instr=no', '--vgdb=yes', process.execPath, ...t.args(port, admin)]);
  } else if (mode === 'plain') {
    child = start('stdbuf', ['-oL', process.execPath, '--trace-gc-nvp', ...(PERF_RECORD ? ['--perf-basic-prof'] : []), ...t.args(port, admin)], 'pipe');
    gc = new GcTrace(child);
  } else child = start(process.execPath, t.args(port, admin));
  try {
    await waitListening(port, child, 30_000 * (mode === 'callgrind' ? 10 : 1));
    const pid = child.pid!;
    const warm = await drive(port, WARMUP, CONNECTIONS, 60_000 * slow);
    if (warm.errors > 0) throw new Error(`${t.name}: ${warm.errors} failed warm-up requests`);
    await sleep(300);
    if (mode === 'callgrind') {
      const z = spawnSync('callgrind_control', ['-z', String(pid)], { encoding: 'utf8', timeout: 60_000 });
      if (z.status !== 0) throw new Error(`callgrind_control -z: ${z.stderr}`);
      const r = await drive(port, REQUESTS, CONNECTIONS, 60_000 * slow);
      const d = spawnSync('callgrind_control', ['-d', String(pid)], { encoding: 'utf8', timeout: 60_000 });
      if (d.status !== 0) throw new Error(`callgrind_control -d: ${d.stderr}`);
      const dump = readdirSync(dir).filter((f) => f.startsWith(`callgrind.${t.name}.out.`)).sort().pop();
      const text = dump ? readFileSync(join(dir, dump), 'utf8') : '';
      if (dump && KEEP) {
        mkdirSync(KEEP, { recursive: true });
        writeFileSync(join(KEEP, `callgrind.${t.name}.out`), text);
      }
      const ir = Number(/^(?:summary|totals): (\d+)/m.exec(text)?.[1] ?? NaN);
      return { requests: r.ok + r.errors, instrPerReq: ir / (r.ok + r.errors), instrSource: 'callgrind Ir' };
    }
    if (mode === 'strace') {
      const out = join(dir, `strace.${t.name}.txt`);
      const tracer = start('strace', ['-c', '-f', '-o', out, '-p', String(pid)]);
      await sleep(1000); // attached to every thread before the window opens
      const r = await drive(port, REQUESTS, CONNECTIONS, 60_000 * slow);
      await stop(tracer, 'SIGINT');
      const n = r.ok + r.errors;
      const rows = readFileSync(out, 'utf8')
        .split('\n')
        .map((l) => l.trim().split(/\s+/))
        .filter((f) => f.length >= 5 && /^\d/.test(f[0]!) && f[f.length - 1] !== 'total')
        .map((f): [string, number] => [f[f.length - 1]!, Number(f[3]) / n]);
      return { syscalls: rows.filter(([, v]) => v >= 0.01).sort((a, b) => b[1] - a[1]) };
    }
    let perf: ChildProcess | null = null;
    const perfOut = join(dir, `perf.${t.name}.txt`);
    if (usePerf) {
      perf = start('perf', ['stat', '-x,', '-o', perfOut, '-e', 'instructions:u', '-p', String(pid)]);
      await sleep(500);
    }
    let recorder: ChildProcess | null = null;
    if (PERF_RECORD) {
      recorder = start('perf', ['record', '-q', '-g', '-e', 'cpu-clock', '-F', '4999', '-o', `${PERF_RECORD}.${t.name}`, '-p', String(pid)]);
      await sleep(500);
    }
    const cpu0 = cpuNanos(pid);
    const gc0 = gc!.snapshot();
    const r = await drive(port, REQUESTS, CONNECTIONS, 120_000);
    const cpu1 = cpuNanos(pid);
    if (recorder) await stop(recorder, 'SIGINT');
    await sleep(300); // GC lines of the window reach the pipe
    const gc1 = gc!.snapshot();
    if (gc1.optimized + gc1.deoptimized > 0) {
      console.error(`${t.name}: ${gc1.optimized - gc0.optimized} optimizations and ${gc1.deoptimized - gc0.deoptimized} deoptimizations in the window (${gc0.optimized} / ${gc0.deoptimized} before it)`);
      for (const d of gc!.deopts) console.error(`  ${d}`);
    }
    let instr: number | null = null;
    if (perf) {
      await stop(perf, 'SIGINT');
      instr = Number(/^(\d+),/m.exec(readFileSync(perfOut, 'utf8'))?.[1] ?? NaN);
    }
    const n = r.ok + r.errors;
    if (r.errors > 0) console.error(`${t.name}: ${r.errors} of ${n} requests failed`);
    return {
      requests: n,
      cpuNsPerReq: (cpu1 - cpu0) / n,
      ...(instr !== null ? { instrPerReq: instr / n, instrSource: 'perf instructions:u' } : {}),
      scavengesPer1k: ((gc1.scavenges - gc0.scavenges) * 1000) / n,
      fullGcsPer1k: ((gc1.fullGcs - gc0.fullGcs) * 1000) / n,
      allocPerReq: (gc1.allocated - gc0.allocated) / n,
    };
  } finally {
    await stop(child, 'SIGTERM', mode === 'callgrind' ? 120_000 : 15_000);
  }
}

async function main(): Promise<void> {
  const up = await freePort();
  const conf = nginxConf(join(dir, 'nginx'), helloServer(up));
  const nginx = start('nginx', ['-c', conf]);
  await waitListening(up, nginx, 10_000);

  const bundle = BUNDLE || join(dir, 'weft-proxy.mjs');
  if (!BUNDLE) {
    // A private build: lib/weft-proxy.mjs may be rebuilt by someone else while this runs.
    const b = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/proxy/build.ts'), bundle], { cwd: root, encoding: 'utf8' });
    if (b.status !== 0 || !existsSync(bundle)) throw new Error(`building the proxy bundle failed: ${b.stderr}`);
  }
  const weftTarget = (without: Feature | null): Target => ({
    name: without === null ? 'weft' : `weft-no-${without}`,
    args: (port: number, admin: number) => {
      const file = join(dir, `weft-${port}.json`);
      writeFileSync(file, JSON.stringify(benchWeftConfig(port, admin, up, join(dir, `access-${port}.log`), without)));
      return [...WEFT_NODE_FLAGS, ...NODE_FLAGS, bundle, '--config', file];
    },
  });
  const targets: Target[] = [
    { name: 'net-floor', args: (port: number) => [...NODE_FLAGS, join(root, 'bench/proxy/net-floor.mjs'), String(port), String(up)] },
    weftTarget(null),
    {
      // The codec and connection alone: one route to one upstream, no metrics, access log or
      // tracing (plainWeftConfig) — `weft-bare − net-floor` is what Weft's own data path costs.
      name: 'weft-bare',
      args: (port: number, admin: number) => {
        const file = join(dir, `weft-bare-${port}.json`);
        writeFileSync(file, JSON.stringify(plainWeftConfig(port, admin, up)));
        return [...WEFT_NODE_FLAGS, ...NODE_FLAGS, bundle, '--config', file];
      },
    },
  ].filter((t) => ONLY.includes(t.name));
  // --features needs the all-on row to subtract from, whatever --only says.
  if (FEATURE_LIST.length > 0 && !targets.some((t) => t.name === 'weft')) targets.push(weftTarget(null));
  for (const f of FEATURE_LIST) targets.push(weftTarget(f));

  const usePerf = (COUNTER === 'auto' || COUNTER === 'perf') && perfSupported();
  if (COUNTER === 'perf' && !usePerf) console.error('perf instructions:u is not supported on this machine (no PMU exposed); instructions are not counted. Try --counter callgrind.');
  const rows: Row[] = [];
  for (const t of targets) {
    const row: Row = { name: t.name, requests: 0, cpuNsPerReq: NaN, instrPerReq: null, instrSource: '', scavengesPer1k: NaN, fullGcsPer1k: NaN, allocPerReq: NaN, syscalls: null };
    Object.assign(row, await pass(t, 'plain', usePerf));
    if (COUNTER === 'callgrind') Object.assign(row, await pass(t, 'callgrind', false));
    if (SYSCALLS) Object.assign(row, await pass(t, 'strace', false));
    rows.push(row);
    console.error(`${t.name}: done`);
  }
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const fmt = (v: number | null, digits = 0): string => (v === null || !Number.isFinite(v) ? '—' : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
  const lines = [
    `${REQUESTS} requests after ${WARMUP} warm-up, ${CONNECTIONS} connection(s), ${process.version}, load average ${load}`,
    '',
    '| target | instructions/request | CPU µs/request | V8 bytes allocated/request | scavenges/1k requests | full GCs/1k requests |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.name} | ${fmt(r.instrPerReq)}${r.instrSource ? ` (${r.instrSource})` : ''} | ${fmt(r.cpuNsPerReq / 1000, 1)} | ${fmt(r.allocPerReq)} | ${fmt(r.scavengesPer1k, 1)} | ${fmt(r.fullGcsPer1k, 2)} |`),
  ];
  const floor = rows.find((r) => r.name === 'net-floor');
  const weft = rows.find((r) => r.name === 'weft');
  if (floor && weft) {
    lines.push('', `weft ÷ net-floor: CPU ${fmt(weft.cpuNsPerReq / floor.cpuNsPerReq, 2)}×${weft.instrPerReq && floor.instrPerReq ? `, instructions ${fmt(weft.instrPerReq / floor.instrPerReq, 2)}×` : ''}`);
  }
  if (weft && FEATURE_LIST.length > 0) {
    lines.push('', '| feature switched off | bytes allocated saved/request | scavenges saved/1k requests | instructions saved/request | CPU µs saved/request |', '|---|---:|---:|---:|---:|');
    for (const r of rows.filter((x) => x.name.startsWith('weft-no-'))) {
      const instr = weft.instrPerReq !== null && r.instrPerReq !== null ? fmt(weft.instrPerReq - r.instrPerReq) : '—';
      lines.push(`| ${r.name.slice('weft-no-'.length)} | ${fmt(weft.allocPerReq - r.allocPerReq)} | ${fmt(weft.scavengesPer1k - r.scavengesPer1k, 2)} | ${instr} | ${fmt((weft.cpuNsPerReq - r.cpuNsPerReq) / 1000, 1)} |`);
    }
  }
  for (const r of rows) if (r.syscalls) lines.push('', `${r.name} system calls/request: ${r.syscalls.map(([n, v]) => `${n} ${v.toFixed(2)}`).join(', ')}`);
  console.log(lines.join('\n'));
}

try {
  await main();
} finally {
  for (const c of [...children]) await stop(c);
  rmSync(dir, { recursive: true, force: true });
}
