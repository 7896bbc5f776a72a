import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, metricsText, requestsTotal, send, sleep, startProxy, type TestProxy } from './helpers/proxy';
import { startUpstream, type Upstream } from './helpers/upstream';

let app: Upstream, reviews: Upstream;
let caller: TestProxy; // productpage's sidecar (outbound)
let callee: TestProxy; // reviews' sidecar (inbound in front of the app)
const logFile = join(mkdtempSync(join(tmpdir(), 'weft-log-')), 'access.log');

beforeAll(async () => {
  [app, reviews] = await Promise.all([startUpstream('reviews-app'), startUpstream('unused')]);
  callee = await startProxy({
    workload: { service: 'reviews', namespace: 'shop', version: 'v2', instance: 'reviews-v2-xyz' },
    listeners: { inbound: { host: '127.0.0.1', port: 0, app: { port: app.port } }, admin: { port: 0 } },
    observability: { metrics: true, accessLog: { path: logFile }, tracing: { samplingPercent: 100 } },
  });
  caller = await startProxy({
    listeners: { outbound: { port: 0 }, admin: { port: 0 } },
    services: [{ name: 'reviews', namespace: 'shop', subsets: [{ name: 'v2', endpoints: [{ address: '127.0.0.1', port: callee.inbound }] }] }],
    routes: [
      { name: 'reviews', hosts: ['reviews'], action: { type: 'forward', destinations: [{ service: 'reviews', subset: 'v2' }] } },
      { name: 'dr', hosts: ['static'], action: { type: 'directResponse', status: 204 } },
    ],
    observability: { tracing: { samplingPercent: 0 } },
  });
});
afterAll(async () => {
  await caller.close();
  await callee.close();
  await Promise.all([app.close(), reviews.close()]);
});

describe('metrics', () => {
  it('reports Istio standard metrics with source and destination labels on both sides', async () => {
    for (let i = 0; i < 3; i++) expect((await send(caller.outbound, 'reviews', '/r?status=200')).status).toBe(200);
    expect((await send(caller.outbound, 'reviews', '/r?status=503')).status).toBe(503);
    const src = await metricsText(caller.admin);
    const labels = ['reporter="source"', 'source_workload="productpage-v1"', 'source_workload_namespace="shop"', 'source_app="productpage"', 'source_version="v1"', 'destination_workload="reviews-v2"', 'destination_app="reviews"', 'destination_version="v2"', 'destination_service="reviews.shop.svc.cluster.local"', 'destination_service_name="reviews"', 'destination_service_namespace="shop"', 'request_protocol="http"'];
    expect(requestsTotal(src, ...labels, 'response_code="200"', 'response_flags="-"')).toBe(3);
    expect(requestsTotal(src, ...labels, 'response_code="503"')).toBe(1);
    for (const name of ['istio_request_duration_milliseconds_bucket', 'istio_request_bytes_bucket', 'istio_response_bytes_bucket', 'istio_request_duration_milliseconds_sum', 'istio_response_bytes_count']) {
      expect(src).toContain(name + '{reporter="source"');
    }
    expect(src).toContain('# TYPE istio_request_duration_milliseconds histogram');
    // The destination sidecar learned who called through x-weft-peer (metadata exchange).
    const dst = await metricsText(callee.admin);
    expect(requestsTotal(dst, 'reporter="destination"', 'source_workload="productpage-v1"', 'source_app="productpage"', 'destination_workload="reviews-v2"', 'destination_version="v2"', 'response_code="200"')).toBe(3);
    // ...and did not pass the metadata header on to the application.
    expect(app.received.every((r) => r.headers['x-weft-peer'] === undefined)).toBe(true);
  });

  it('labels local replies with their response flags', async () => {
    await send(caller.outbound, 'nowhere', '/');
    await send(caller.outbound, 'static', '/');
    const m = await metricsText(caller.admin);
    expect(requestsTotal(m, 'destination_service="nowhere"', 'response_code="404"', 'response_flags="NR"')).toBe(1);
    expect(requestsTotal(m, 'destination_service="static"', 'response_code="204"')).toBe(1);
  });

  it('response body sizes land in istio_response_bytes', async () => {
    await send(caller.outbound, 'reviews', '/big?size=5000');
    const m = await metricsText(caller.admin);
    const line = m.split('\n').find((l) => l.startsWith('istio_response_bytes_bucket') && l.includes('response_code="200"') && l.includes('le="1000"'))!;
    const line10k = m.split('\n').find((l) => l.startsWith('istio_response_bytes_bucket') && l.includes('response_code="200"') && l.includes('le="10000"'))!;
    expect(Number(line10k.split(' ').at(-1)) - Number(line.split(' ').at(-1))).toBe(1);
  });
});

describe('tracing and request ids', () => {
  it('generates x-request-id when absent and keeps it when present', async () => {
    const gen = json(await send(caller.outbound, 'reviews', '/t'));
    expect(gen.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const kept = json(await send(caller.outbound, 'reviews', '/t', { headers: { 'x-request-id': 'req-42' } }));
    expect(kept.headers['x-request-id']).toBe('req-42');
  });

  it('propagates W3C traceparent: same trace id and sampled flag, new span id per hop, tracestate untouched', async () => {
    const tp = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const got = json(await send(caller.outbound, 'reviews', '/t', { headers: { traceparent: tp, tracestate: 'vendor=x' } })).headers;
    const [v, trace, span, flags] = String(got.traceparent).split('-');
    expect([v, trace, flags]).toEqual(['00', '4bf92f3577b34da6a3ce929d0e0e4736', '01']);
    expect(span).toMatch(/^[0-9a-f]{16}$/);
    expect(span).not.toBe('00f067aa0ba902b7');
    expect(got.tracestate).toBe('vendor=x');
    expect(got['x-b3-traceid']).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(got['x-b3-sampled']).toBe('1');
  });

  it('continues a B3 trace and writes both formats', async () => {
    // One hop (the inbound sidecar straight to the app), so the app's parent span is the client's.
    const got = json(await send(callee.inbound, 'reviews', '/t', { headers: { 'x-b3-traceid': '80f198ee56343ba864fe8b2a57d3eff7', 'x-b3-spanid': 'e457b5a2e4d86bd1', 'x-b3-sampled': '1' } })).headers;
    expect(got['x-b3-traceid']).toBe('80f198ee56343ba864fe8b2a57d3eff7');
    expect(got['x-b3-parentspanid']).toBe('e457b5a2e4d86bd1');
    expect(got['x-b3-spanid']).not.toBe('e457b5a2e4d86bd1');
    expect(String(got.traceparent)).toMatch(/^00-80f198ee56343ba864fe8b2a57d3eff7-[0-9a-f]{16}-01$/);
  });

  it('starts new traces with the configured sampling', async () => {
    const off = json(await send(caller.outbound, 'reviews', '/t')).headers; // caller samples 0%
    expect(String(off.traceparent)).toMatch(/-00$/);
    const on = json(await send(callee.inbound, 'reviews', '/t')).headers; // callee samples 100%
    expect(String(on.traceparent)).toMatch(/-01$/);
  });
});

describe('access log', () => {
  it('writes one JSON object per request with Envoy fields', async () => {
    await send(callee.inbound, 'reviews', '/logged?x=1', { headers: { 'user-agent': 'test-agent', 'x-request-id': 'log-1' } });
    const entry = () => {
      const text = readFileSync(logFile, 'utf8').trim();
      return text === '' ? undefined : text.split('\n').map((l) => JSON.parse(l)).find((l) => l.request_id === 'log-1');
    };
    for (let i = 0; i < 1000 && !entry(); i++) await sleep(20);
    const e = entry()!;
    expect(e).toMatchObject({ reporter: 'destination', method: 'GET', path: '/logged?x=1', protocol: 'HTTP/1.1', response_code: 200, response_flags: '-', user_agent: 'test-agent', authority: 'reviews', route_name: 'inbound', upstream_host: `127.0.0.1:${app.port}`, upstream_cluster: 'inbound|app', attempts: 1 });
    expect(e.bytes_sent).toBeGreaterThan(0);
    expect(typeof e.duration).toBe('number');
    expect(new Date(e.start_time).getTime()).toBeGreaterThan(0);
  });

  it('a line carries only its own request’s fields (one fields record is reused for every line)', async () => {
    await send(callee.inbound, 'reviews', '/full', { headers: { 'user-agent': 'agent-a', 'x-forwarded-for': '10.0.0.9', 'x-request-id': 'reuse-1' } });
    await send(callee.inbound, 'reviews', '/bare?status=503', { headers: { 'x-request-id': 'reuse-2' } });
    const lines = () => {
      const text = readFileSync(logFile, 'utf8').trim();
      return text === '' ? [] : text.split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    };
    for (let i = 0; i < 1000 && !lines().some((l) => l.request_id === 'reuse-2'); i++) await sleep(20);
    const first = lines().find((l) => l.request_id === 'reuse-1')!;
    const second = lines().find((l) => l.request_id === 'reuse-2')!;
    expect(first).toMatchObject({ path: '/full', user_agent: 'agent-a', x_forwarded_for: '10.0.0.9', response_code: 200 });
    expect(second).toMatchObject({ path: '/bare?status=503', user_agent: null, x_forwarded_for: null, response_code: 503 });
    expect(Object.keys(second)).toEqual(Object.keys(first));
  });
});

describe('admin', () => {
  it('/ready, /config_dump with the config hash, 404 elsewhere', async () => {
    expect((await send(caller.admin, 'x', '/ready')).status).toBe(200);
    const dump = JSON.parse((await send(caller.admin, 'x', '/config_dump')).body);
    expect(dump.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(dump.hash).toBe(caller.proxy.runtime.hash);
    expect(dump.config.routes[0].name).toBe('reviews');
    expect(await metricsText(caller.admin)).toContain(`weft_proxy_config_info{hash="${dump.hash}"} 1`);
    expect((await send(caller.admin, 'x', '/nope')).status).toBe(404);
  });
});
