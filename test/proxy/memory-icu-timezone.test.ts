/**
 * The precompiled proxy never loads ICU's time-zone data (issue 16, RSS ≤ 64 MB): V8 formats
 * every Date string (`toISOString`, `toUTCString`, JSON of a Date) through code that asks ICU for
 * the local zone and its name, and the first call maps ~1 MB of the node binary's pages
 * (`icudt78_dat`, ICU's data, and its zone code) for the life of the process. The proxy writes
 * its timestamps through src/proxy/utc-time.ts instead. Observed on real processes: the pages of
 * the binary's ICU data that a process has mapped (/proc/<pid>/pagemap, "present" bit, readable
 * for one's own processes), for the bundle after start-up, traffic with an access log and a
 * `date` field, and the admin's config dump; against an empty `node` process of the same runtime
 * (Node's own start-up reads a few ICU versions) and, as the control that the measure sees the
 * difference, an empty process that formats one date. `readelf` (binutils, .ci/apt-packages) finds
 * ICU's data symbol in the binary; without it, or off Linux, the test is skipped.
 * @see https://www.kernel.org/doc/html/latest/admin-guide/mm/pagemap.html
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync, readSync, closeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { send } from './helpers/proxy';
import { until } from './helpers/files';
import { reviewsConfig, useBuiltProxy } from './helpers/bundle';

const built = useBuiltProxy('weft-icu-');
const { dir, lib, children } = built;
const PAGE = 4096;
/** Fault-around maps up to 16 neighbouring file pages per fault (64 KB), so runs differ by a few. */
const SLACK_PAGES = 32;

/** Where ICU's data sits in this node binary (an exported symbol; null when it is not there). */
function icuDataRange(): { start: number; end: number } | null {
  const r = spawnSync('readelf', ['--dyn-syms', '-W', process.execPath], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const m = / ([0-9a-f]+) +(0x[0-9a-f]+|\d+) +OBJECT +GLOBAL +\S+ +\S+ icudt\d+_dat$/m.exec(r.stdout ?? '');
  if (!m) return null;
  const start = Number.parseInt(m[1]!, 16);
  return { start, end: start + Number(m[2]) };
}

/** Pages of [start, end) that `pid` has mapped, when the binary is mapped at its link address (not PIE). */
function residentPages(pid: number, range: { start: number; end: number }): number {
  const mapped = readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n').some((l) => {
    const [lo, hi] = l.split(' ')[0]!.split('-').map((h) => Number.parseInt(h, 16));
    return l.endsWith(process.execPath) && lo! <= range.start && range.start < hi!;
  });
  if (!mapped) throw new Error(`ICU data of ${process.execPath} not at its link address in pid ${pid}`);
  const first = Math.floor(range.start / PAGE);
  const count = Math.ceil(range.end / PAGE) - first;
  const entries = Buffer.alloc(count * 8);
  const fd = openSync(`/proc/${pid}/pagemap`, 'r');
  try {
    readSync(fd, entries, 0, entries.length, first * 8);
  } finally {
    closeSync(fd);
  }
  let present = 0;
  for (let i = 0; i < count; i++) if (entries.readBigUInt64LE(i * 8) >> 63n) present++;
  return present;
}

/** An idle `node -e` process of this runtime; resolves once its start-up is over. */
async function idleNode(code: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', `${code}; process.stdout.write('ready\\n'); setInterval(() => {}, 60_000)`], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  await until('node ready', () => (out.includes('ready') ? true : undefined));
  return child;
}

const range = process.platform === 'linux' ? icuDataRange() : null;

describe.skipIf(range === null)('ICU time-zone data stays unloaded in the proxy process', () => {
  it('maps no more of ICU data after start-up, access-logged traffic and a config dump than an empty node process', async () => {
    const empty = await idleNode('0');
    const formatsADate = await idleNode('new Date(0).toISOString()');
    const file = join(dir, 'proxy.json');
    writeFileSync(
      file,
      JSON.stringify(reviewsConfig(built.upstream.port, { observability: { metrics: true, accessLog: { path: join(dir, 'access.log') } } })),
    );
    const proxy = spawn(process.execPath, [lib, '--config', file], { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir });
    children.add(proxy);
    let stderr = '';
    proxy.stderr!.on('data', (d) => (stderr += d));
    const started = await until('proxy started', () => stderr.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string; ports?: Record<string, number> }).find((l) => l.msg === 'proxy started'));
    for (let i = 0; i < 20; i++) {
      const r = await send(started.ports!.outbound!, 'reviews', `/r${i}`);
      expect(r.status).toBe(200);
      expect(r.headers['date']).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    }
    expect((await send(started.ports!.admin!, 'admin', '/config_dump')).status).toBe(200);
    await until('access log written', () => (readFileSync(join(dir, 'access.log'), 'utf8').split('\n').length > 20 ? true : undefined));

    const base = residentPages(empty.pid!, range!);
    // The control: one formatted date maps far more of ICU's data than the slack allows.
    expect(residentPages(formatsADate.pid!, range!)).toBeGreaterThan(base + 2 * SLACK_PAGES);
    expect(residentPages(proxy.pid!, range!)).toBeLessThanOrEqual(base + SLACK_PAGES);
  }, 120_000);
});
