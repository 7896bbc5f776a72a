/**
 * The benchmark's fixed-rate generator (bench/proxy/loadgen.c, compiled with the system `cc`):
 * sends exactly rate × seconds requests, counts non-200 answers and lost connections as
 * errors, and reports its lag. Behaviour only: the rate is low and the bounds are generous.
 */
import { spawnSync } from 'node:child_process';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { fixedRate } from '../../bench/proxy/fixed-rate';

const hasCc = spawnSync('cc', ['--version']).status === 0;

/** Answers each request head on a connection; every 10th request gets 503, `close` closes instead. */
function server(mode: 'ok' | 'some-503' | 'close'): Server {
  let n = 0;
  return createServer((s) => {
    s.on('error', () => {});
    let pending = '';
    s.on('data', (d: Buffer) => {
      pending += d.toString('latin1');
      let i: number;
      while ((i = pending.indexOf('\r\n\r\n')) !== -1) {
        pending = pending.slice(i + 4);
        n++;
        if (mode === 'close') return s.destroy();
        const status = mode === 'some-503' && n % 10 === 0 ? '503 Service Unavailable' : '200 OK';
        s.write(`HTTP/1.1 ${status}\r\nContent-Length: 2\r\n\r\nok`);
      }
    });
  });
}

describe.skipIf(!hasCc)('fixed-rate load generator (loadgen.c)', () => {
  const servers: Server[] = [];
  const listen = async (mode: 'ok' | 'some-503' | 'close'): Promise<number> => {
    const s = server(mode);
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    return (s.address() as AddressInfo).port;
  };
  afterAll(async () => {
    for (const s of servers) await new Promise<void>((r) => s.close(() => r()));
  });

  it('sends exactly rate × seconds requests and reads every response', async () => {
    const r = await fixedRate(`http://127.0.0.1:${await listen('ok')}/`, 200, 1, 4);
    expect(r.sent).toBe(200);
    expect(r.ok).toBe(200);
    expect(r.errors).toBe(0);
    expect(r.p50).toBeGreaterThan(0);
    expect(r.p99).toBeGreaterThanOrEqual(r.p50);
    expect(r.maxLagMs).toBeGreaterThanOrEqual(0);
    expect(r.lagP99Ms).toBeGreaterThanOrEqual(0);
    expect(r.lagP99Ms).toBeLessThanOrEqual(r.maxLagMs);
    expect(r.achievedRps).toBeGreaterThan(0);
  }, 60_000);

  it('counts non-200 answers as errors', async () => {
    const r = await fixedRate(`http://127.0.0.1:${await listen('some-503')}/`, 200, 1, 4);
    expect(r.sent).toBe(200);
    expect(r.ok).toBe(180);
    expect(r.errors).toBe(20);
  }, 60_000);

  it('counts requests lost with their connection as errors, and ends (bounded)', async () => {
    const r = await fixedRate(`http://127.0.0.1:${await listen('close')}/`, 100, 1, 4);
    expect(r.ok).toBe(0);
    expect(r.errors).toBe(100);
  }, 60_000);
});
