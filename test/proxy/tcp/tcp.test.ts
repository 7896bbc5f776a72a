/**
 * TCP listeners over real sockets: a weighted split checked with an exact binomial test,
 * byte-for-byte echo with Istio's TCP metrics, the connection limit (UO) and the idle timeout.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricsText, startProxy, type TestProxy } from '../helpers/proxy';

const servers: Server[] = [];
let portA: number;
let portB: number;

/** A TCP server that greets with its name, then echoes. */
async function tagged(name: string): Promise<number> {
  const s = createServer((c) => {
    c.on('error', () => c.destroy());
    c.write(`${name}\n`);
    c.pipe(c);
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
}

beforeAll(async () => {
  [portA, portB] = await Promise.all([tagged('A'), tagged('B')]);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

function services() {
  return [
    {
      name: 'db',
      namespace: 'data',
      subsets: [
        { name: 'a', endpoints: [{ address: '127.0.0.1', port: portA }] },
        { name: 'b', endpoints: [{ address: '127.0.0.1', port: portB }] },
      ],
    },
  ];
}

/** Connects, reads the greeting (or the close), optionally sends `payload` and reads it back. */
function converse(port: number, payload?: string): Promise<{ greeting: string; echoed: string; closedEarly: boolean }> {
  return new Promise((resolve) => {
    const s: Socket = connect({ host: '127.0.0.1', port });
    let data = '';
    let greeting = '';
    s.setTimeout(10_000, () => s.destroy());
    s.on('data', (d: Buffer) => {
      data += d.toString();
      if (!greeting && data.includes('\n')) {
        greeting = data.slice(0, data.indexOf('\n'));
        data = data.slice(greeting.length + 1);
        if (payload === undefined) s.end();
        else s.write(payload);
      }
      if (payload !== undefined && data.length >= payload.length) s.end();
    });
    s.on('error', () => undefined);
    s.on('close', () => resolve({ greeting, echoed: data, closedEarly: greeting === '' }));
  });
}

/** Two-sided exact binomial p-value of k successes in n trials with probability p. */
function binomialPValue(k: number, n: number, p: number): number {
  const logPmf = (i: number): number => {
    let c = 0;
    for (let j = 1; j <= i; j++) c += Math.log(n - i + j) - Math.log(j);
    return c + i * Math.log(p) + (n - i) * Math.log(1 - p);
  };
  const observed = logPmf(k);
  let total = 0;
  for (let i = 0; i <= n; i++) {
    const l = logPmf(i);
    if (l <= observed + 1e-9) total += Math.exp(l);
  }
  return Math.min(1, total);
}

const sum = (text: string, metric: string, ...fragments: string[]): number =>
  text
    .split('\n')
    .filter((l) => l.startsWith(`${metric}{`) && fragments.every((f) => l.includes(f)))
    .reduce((s, l) => s + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);

describe('TCP listeners', () => {
  let proxy: TestProxy;
  afterAll(async () => proxy?.close());

  it('splits connections 20/80 by weight (exact binomial test) and counts istio_tcp_* metrics', async () => {
    proxy = await startProxy({
      listeners: { admin: { port: 0 } },
      services: services(),
      tcpListeners: [{ name: 'db', port: 0, destinations: [{ service: 'db', subset: 'a', weight: 20 }, { service: 'db', subset: 'b', weight: 80 }] }],
    } as never);
    const port = proxy.proxy.ports.tcp!.db!;
    const n = 400;
    let a = 0;
    let next = 0;
    const worker = async () => {
      while (next < n) {
        next++;
        const r = await converse(port, 'ping');
        expect(r.echoed).toBe('ping');
        if (r.greeting === 'A') a++;
        else expect(r.greeting).toBe('B');
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    // p = 0.2; a correct split fails this test once in 10 000 runs.
    expect(binomialPValue(a, n, 0.2)).toBeGreaterThan(1e-4);
    // A 50/50 split would be rejected by the same test (the test has power).
    expect(binomialPValue(Math.round(n / 2), n, 0.2)).toBeLessThan(1e-4);
    // Connection metrics are recorded as each connection closes, which may trail the client: wait on them (bounded).
    let m = await metricsText(proxy.admin);
    for (let i = 0; i < 400 && sum(m, 'istio_tcp_connections_closed_total', 'destination_service_name="db"') < n; i++) {
      await new Promise((r) => setTimeout(r, 25));
      m = await metricsText(proxy.admin);
    }
    expect(sum(m, 'istio_tcp_connections_opened_total', 'destination_service_name="db"')).toBe(n);
    expect(sum(m, 'istio_tcp_connections_closed_total', 'destination_service_name="db"')).toBe(n);
    expect(sum(m, 'istio_tcp_connections_opened_total', 'destination_version="a"')).toBe(a);
    expect(sum(m, 'istio_tcp_received_bytes_total', 'destination_service_name="db"')).toBe(n * 4);
    expect(sum(m, 'istio_tcp_sent_bytes_total', 'destination_service_name="db"')).toBe(n * (2 + 4));
  });

  it('closes connections over maxConnections at once (UO) and idle connections after idleTimeoutMs', async () => {
    const limited = await startProxy({
      listeners: { admin: { port: 0 } },
      services: services(),
      tcpListeners: [{ name: 'db', port: 0, maxConnections: 2, idleTimeoutMs: 300, destinations: [{ service: 'db', subset: 'a' }] }],
    } as never);
    try {
      const port = limited.proxy.ports.tcp!.db!;
      const held: Socket[] = [];
      const greeted = (s: Socket) => new Promise<void>((r) => s.once('data', () => r()));
      for (let i = 0; i < 2; i++) {
        const s = connect({ host: '127.0.0.1', port });
        s.on('error', () => undefined);
        held.push(s);
        await greeted(s);
      }
      const third = await converse(port);
      expect(third.closedEarly).toBe(true);
      expect(sum(await metricsText(limited.admin), 'istio_tcp_connections_closed_total', 'response_flags="UO"')).toBe(1);
      // The held connections say nothing: the idle timeout closes them (bounded wait, no timing assertion).
      await Promise.all(held.map((s) => new Promise((r) => (s.destroyed ? r(null) : s.once('close', r)))));
      const after = await converse(port, 'x');
      expect(after.greeting).toBe('A');
    } finally {
      await limited.close();
    }
  });
});
