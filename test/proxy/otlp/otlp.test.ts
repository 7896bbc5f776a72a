/**
 * OTLP/HTTP span export against a test collector on loopback: batched spans with the W3C trace
 * ids the proxy propagated, and a dead or hanging collector that never fails a request and
 * never queues more than the bound (drops are counted).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricsText, send, startProxy } from '../helpers/proxy';
import { startUpstream, type Upstream } from '../helpers/upstream';

let app: Upstream;
let collector: Server;
let collectorPort: number;
const posts: Array<{ path: string; type: string; body: any }> = [];
const hung = new Set<Socket>();
let hangServer: Server;
let hangPort: number;

beforeAll(async () => {
  app = await startUpstream('app');
  collector = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      posts.push({ path: req.url ?? '', type: req.headers['content-type'] ?? '', body: JSON.parse(Buffer.concat(chunks).toString()) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
  collectorPort = (collector.address() as AddressInfo).port;
  // A collector that accepts connections and never answers.
  hangServer = createServer(() => {});
  hangServer.on('connection', (s: Socket) => hung.add(s));
  await new Promise<void>((r) => hangServer.listen(0, '127.0.0.1', r));
  hangPort = (hangServer.address() as AddressInfo).port;
});
afterAll(async () => {
  for (const s of hung) s.destroy();
  await Promise.all([new Promise((r) => collector.close(r)), new Promise((r) => hangServer.close(r)), app.close()]);
});

async function waitFor(cond: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('OTLP/HTTP span export', () => {
  it('exports one SERVER span per sampled request, in batches, with the propagated ids', async () => {
    const proxy = await startProxy({
      listeners: { inbound: { host: '127.0.0.1', port: 0, app: { port: app.port } }, admin: { port: 0 } },
      observability: { tracing: { samplingPercent: 100, otlp: { endpoint: `http://127.0.0.1:${collectorPort}/v1/traces`, maxBatchSize: 10, flushIntervalMs: 200 } } },
    } as never);
    try {
      const parent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
      expect((await send(proxy.inbound, 'productpage', '/first', { headers: { traceparent: parent } })).status).toBe(200);
      for (let i = 0; i < 24; i++) expect((await send(proxy.inbound, 'productpage', `/r${i}`)).status).toBe(200);
      const spans = () => posts.flatMap((p) => p.body.resourceSpans.flatMap((r: any) => r.scopeSpans.flatMap((s: any) => s.spans)));
      await waitFor(() => spans().length >= 25);
      expect(posts.length).toBeGreaterThanOrEqual(3);
      expect(posts.every((p) => p.path === '/v1/traces' && p.type === 'application/json')).toBe(true);
      expect(posts.every((p) => p.body.resourceSpans[0].scopeSpans[0].spans.length <= 10)).toBe(true);
      const resource = posts[0]!.body.resourceSpans[0].resource.attributes;
      expect(resource).toContainEqual({ key: 'service.name', value: { stringValue: 'productpage' } });
      const first = spans().find((s: any) => s.traceId === '0af7651916cd43dd8448eb211c80319c');
      expect(first).toMatchObject({ parentSpanId: 'b7ad6b7169203331', kind: 2, status: { code: 0 } });
      expect(first.spanId).toMatch(/^[0-9a-f]{16}$/);
      expect(first.attributes).toContainEqual({ key: 'http.response.status_code', value: { intValue: '200' } });
      expect(BigInt(first.endTimeUnixNano) >= BigInt(first.startTimeUnixNano)).toBe(true);
      expect(await metricsText(proxy.admin)).toMatch(/weft_proxy_spans_exported_total 25\b/);
    } finally {
      await proxy.close();
    }
  });

  it('a hanging or refused collector fails no request, keeps the queue bounded and counts drops', async () => {
    for (const endpoint of [`http://127.0.0.1:${hangPort}/v1/traces`, 'http://127.0.0.1:1/v1/traces']) {
      const proxy = await startProxy({
        listeners: { inbound: { host: '127.0.0.1', port: 0, app: { port: app.port } }, admin: { port: 0 } },
        observability: { tracing: { samplingPercent: 100, otlp: { endpoint, maxBatchSize: 20, maxQueueSize: 50, flushIntervalMs: 100, timeoutMs: 300 } } },
      } as never);
      try {
        let failed = 0;
        let maxQueued = 0;
        for (let i = 0; i < 300; i++) {
          if ((await send(proxy.inbound, 'productpage', `/x${i}`)).status !== 200) failed++;
          if (i % 25 === 0) maxQueued = Math.max(maxQueued, Number(/weft_proxy_spans_queued (\d+)/.exec(await metricsText(proxy.admin))?.[1] ?? 0));
        }
        expect(failed).toBe(0);
        expect(maxQueued).toBeLessThanOrEqual(50);
        const m = await metricsText(proxy.admin);
        const dropped = [...m.matchAll(/weft_proxy_spans_dropped_total\{reason="[a-z_]+"\} (\d+)/g)].reduce((s, x) => s + Number(x[1]), 0);
        expect(dropped).toBeGreaterThan(0);
        expect(m).toMatch(/weft_proxy_spans_exported_total 0\b/);
      } finally {
        await proxy.close();
      }
    }
  });
});
