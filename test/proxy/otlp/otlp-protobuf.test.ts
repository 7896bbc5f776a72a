/**
 * OTLP/HTTP with binary protobuf encoding: a test collector on loopback receives
 * `application/x-protobuf` bodies and decodes them with protobufjs against the OTLP .proto
 * (test fixture with upstream's field numbers); the spans carry the propagated W3C ids, kind,
 * fixed64 timestamps, typed attributes and status. Plus the encoder's edge cases (int64,
 * booleans, no parent) decoded the same way.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeExportTraceRequest } from '../../../src/proxy/otlp-protobuf';
import { send, startProxy } from '../helpers/proxy';
import { startUpstream, type Upstream } from '../helpers/upstream';

let app: Upstream;
let collector: Server;
let collectorPort: number;
let Request: protobuf.Type;
const posts: Array<{ type: string; body: Buffer }> = [];

beforeAll(async () => {
  const root = await protobuf.load(join(__dirname, 'fixtures/otlp-trace.proto'));
  Request = root.lookupType('opentelemetry.proto.test.ExportTraceServiceRequest');
  app = await startUpstream('app');
  collector = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      posts.push({ type: req.headers['content-type'] ?? '', body: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
  collectorPort = (collector.address() as AddressInfo).port;
});
afterAll(async () => {
  await Promise.all([new Promise((r) => collector.close(r)), app.close()]);
});

const decode = (b: Buffer) => Request.toObject(Request.decode(b), { longs: String, bytes: String, enums: String, defaults: true }) as any;
const hex = (b64: string) => Buffer.from(b64, 'base64').toString('hex');

describe('OTLP/HTTP protobuf', () => {
  it('exports the proxy\'s spans as application/x-protobuf that the OTLP schema decodes', async () => {
    const proxy = await startProxy({
      listeners: { inbound: { host: '127.0.0.1', port: 0, app: { port: app.port } }, admin: { port: 0 } },
      observability: { tracing: { samplingPercent: 100, otlp: { endpoint: `http://127.0.0.1:${collectorPort}/v1/traces`, encoding: 'protobuf', maxBatchSize: 5, flushIntervalMs: 200 } } },
    } as never);
    try {
      const parent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
      expect((await send(proxy.inbound, 'productpage', '/pb', { headers: { traceparent: parent } })).status).toBe(200);
      for (let i = 0; i < 4; i++) expect((await send(proxy.inbound, 'productpage', `/r${i}?status=503`)).status).toBe(503);
      const end = Date.now() + 15_000;
      while (posts.reduce((n, p) => n + decode(p.body).resourceSpans[0].scopeSpans[0].spans.length, 0) < 5 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    } finally {
      await proxy.close();
    }
    expect(posts.length).toBeGreaterThan(0);
    expect(posts.every((p) => p.type === 'application/x-protobuf')).toBe(true);
    const requests = posts.map((p) => decode(p.body));
    const rs = requests[0].resourceSpans[0];
    const attr = (list: any[], key: string) => list.find((a) => a.key === key)?.value;
    expect(attr(rs.resource.attributes, 'service.name')).toMatchObject({ stringValue: 'productpage' });
    expect(rs.scopeSpans[0].scope.name).toBe('weft-proxy');
    const spans = requests.flatMap((r: any) => r.resourceSpans[0].scopeSpans[0].spans);
    expect(spans).toHaveLength(5);
    const first = spans.find((s: any) => attr(s.attributes, 'url.path').stringValue === '/pb');
    expect(hex(first.traceId)).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(hex(first.spanId)).toMatch(/^[0-9a-f]{16}$/);
    expect(hex(first.spanId)).not.toBe('b7ad6b7169203331');
    expect(first.kind).toBe('SPAN_KIND_SERVER');
    expect(BigInt(first.endTimeUnixNano)).toBeGreaterThanOrEqual(BigInt(first.startTimeUnixNano));
    expect(Number(BigInt(first.startTimeUnixNano) / 1_000_000n)).toBeGreaterThan(Date.now() - 60_000);
    expect(attr(first.attributes, 'http.response.status_code')).toMatchObject({ intValue: '200' });
    expect(first.status.code).toBe('STATUS_CODE_UNSET');
    const failed = spans.filter((s: any) => attr(s.attributes, 'http.response.status_code').intValue === '503');
    expect(failed).toHaveLength(4);
    expect(failed.every((s: any) => s.status.code === 'STATUS_CODE_ERROR')).toBe(true);
  });

  it('encodes int64 (also negative and beyond 2^53), booleans, a parent span id and a client span exactly', () => {
    const body = encodeExportTraceRequest([{ key: 'flag', value: { boolValue: true } }], 'scope-x', [
      {
        traceId: 'ff'.repeat(16),
        spanId: '01'.repeat(8),
        parentSpanId: '0203040506070809',
        name: 'reviews/*',
        kind: 3,
        startTimeUnixNano: '1764460800000000000',
        endTimeUnixNano: '1764460800123456789',
        attributes: [
          { key: 'big', value: { intValue: '9007199254740993' } },
          { key: 'neg', value: { intValue: '-42' } },
          { key: 's', value: { stringValue: 'ünïcode' } },
        ],
        status: { code: 2 },
      },
    ]);
    const r = decode(body);
    expect(r.resourceSpans[0].resource.attributes).toEqual([{ key: 'flag', value: { boolValue: true } }]);
    const s = r.resourceSpans[0].scopeSpans[0].spans[0];
    expect(r.resourceSpans[0].scopeSpans[0].scope.name).toBe('scope-x');
    expect(hex(s.parentSpanId)).toBe('0203040506070809');
    expect(s).toMatchObject({ name: 'reviews/*', kind: 'SPAN_KIND_CLIENT', startTimeUnixNano: '1764460800000000000', endTimeUnixNano: '1764460800123456789', status: { code: 'STATUS_CODE_ERROR' } });
    expect(s.attributes).toEqual([
      { key: 'big', value: { intValue: '9007199254740993' } },
      { key: 'neg', value: { intValue: '-42' } },
      { key: 's', value: { stringValue: 'ünïcode' } },
    ]);
  });
});
