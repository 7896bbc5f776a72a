/**
 * The fixed-rate load of the proxy benchmark: runs bench/proxy/loadgen.c (one epoll thread,
 * requests paced by a nanosecond timerfd, in its own process) and returns what it measured.
 * The generator used to run inside the benchmark's Node process, paced by libuv timers or a
 * setImmediate spin: it lagged > 1 ms in 17 of 18 runs and took CPU from the proxy under test.
 *
 * The binary is compiled once with the system C compiler (`cc`, Debian's gcc) into the
 * git-ignored `.cache/`; nothing is downloaded.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface FixedRateResult {
  sent: number;
  ok: number;
  errors: number;
  /** Latency from each request's scheduled time to the end of its response (ms). */
  p50: number;
  p90: number;
  p99: number;
  /** Requests actually completed per second. */
  achievedRps: number;
  /** How far the generator fell behind its schedule at worst (ms): large values invalidate a run. */
  maxLagMs: number;
  /** 99th percentile of how late each request left the generator (ms): the validity check. */
  lagP99Ms: number;
  /** The generator's own CPU per request (µs): it shares the machine with the proxy. */
  cpuUs: number;
}

const root = fileURLToPath(new URL('../..', import.meta.url));
const SOURCE = join(root, 'bench/proxy/loadgen.c');
const BINARY = join(root, '.cache/weft-loadgen');

/** Compiles the generator when missing or older than its source. */
export function buildLoadGenerator(): string {
  if (existsSync(BINARY) && statSync(BINARY).mtimeMs >= statSync(SOURCE).mtimeMs) return BINARY;
  mkdirSync(join(root, '.cache'), { recursive: true });
  // Compiled under a private name and renamed: concurrent builds never see a half-written binary.
  const tmp = `${BINARY}.${process.pid}`;
  const r = spawnSync('cc', ['-O2', '-Wall', '-o', tmp, SOURCE], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cannot compile bench/proxy/loadgen.c (apt-get install -y gcc): ${r.error?.message ?? r.stderr}`);
  renameSync(tmp, BINARY);
  return BINARY;
}

/** Sends exactly `rps × seconds` GET requests to `url` at a fixed rate; bounded (seconds + 5 s grace + 10 s). */
export function fixedRate(url: string, rps: number, seconds: number, connections = 32): Promise<FixedRateResult> {
  const u = new URL(url);
  const bin = buildLoadGenerator();
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [u.hostname, u.port, String(rps), String(seconds), String(connections), u.pathname + u.search, u.host], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + 15) * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`load generator exited ${code}: ${err.trim()}`));
      resolve(JSON.parse(out) as FixedRateResult);
    });
  });
}
