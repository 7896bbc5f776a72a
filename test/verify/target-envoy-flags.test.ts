/**
 * Response flags on Istio in cluster mode (`--target` on an environment whose mesh is istio):
 * the overlay emits an EnvoyFilter that makes every Envoy report `%RESPONSE_FLAGS%` in
 * `x-weft-response-flags` (src/targets/istio/response-flags-envoy-filter.ts), and the verifier
 * keeps the checks judged by flags (faults, rate limits, pools), reading Envoy's form of the
 * header: `-` for no flag, and one value per sidecar on the way, comma-joined. When no reply
 * carries the header the check is inconclusive, never failed or passed on a guess.
 *
 * No Envoy runs on this machine: the cluster is stood in for by a loopback HTTP server speaking
 * the probe clients' forward protocol (src/echo/forward.ts), whose replies carry the header as
 * Envoy writes it — or none, as a cluster without the EnvoyFilter does. The EnvoyFilter itself
 * is checked as a manifest (synth validates it against the EnvoyFilter CRD's schema).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { compileModel } from '../../src/synth/compile';
import { verify } from '../../src/verify/verify';
import { overlayTag } from '../../src/verify/overlay/model';
import { fixtureMesh } from './fixtures/mesh';
import { devNull } from './fixtures/local-fixture';

const CONFIG = join(__dirname, 'fixtures/mesh.config.ts');
const FAULT = 'fault:fx/t/backend/route:chaos';
const model = fixtureMesh().toModel().model!;

describe('the Istio overlay reports response flags', () => {
  const compiled = compileModel(model, { environments: ['prod'] });
  const file = (path: string) => compiled.files.get(path);

  it('the local rate limit adds RL itself in the overlay (it sets the flag only after its reply), and only there', () => {
    const headersOf = (path: string) => JSON.stringify(parse(String(file(path)), { version: '1.1' }).spec);
    expect(headersOf('verify/prod/istio/t/envoyfilter-limited-local-ratelimit.yaml')).toContain('{"append":false,"header":{"key":"x-weft-response-flags","value":"RL"}}');
    expect(headersOf('prod/istio/t/envoyfilter-limited-local-ratelimit.yaml')).not.toContain('x-weft-response-flags');
  });

  it('emits the EnvoyFilter in the overlay only: local reply mappers and route response headers with %RESPONSE_FLAGS%, after the fallbacks', () => {
    expect(compiled.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const text = file('verify/prod/istio/istio-system/envoyfilter-weft-verify-response-flags.yaml');
    expect(text, 'the overlay has it').toBeDefined();
    expect(file('prod/istio/istio-system/envoyfilter-weft-verify-response-flags.yaml'), 'the environment has not').toBeUndefined();
    const filter = parse(String(text), { version: '1.1' });
    expect(filter.spec.priority).toBe(10);
    const [hcm, routes] = filter.spec.configPatches;
    expect(hcm).toMatchObject({ applyTo: 'NETWORK_FILTER', match: { context: 'ANY' }, patch: { operation: 'MERGE' } });
    expect(hcm.patch.value.typed_config.local_reply_config.mappers).toEqual([
      { filter: { response_flag_filter: {} }, headers_to_add: [{ header: { key: 'x-weft-response-flags', value: '%RESPONSE_FLAGS%' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }] },
    ]);
    expect(routes).toEqual({
      applyTo: 'ROUTE_CONFIGURATION',
      match: { context: 'ANY' },
      patch: { operation: 'MERGE', value: { response_headers_to_add: [{ header: { key: 'x-weft-response-flags', value: '%RESPONSE_FLAGS%' }, append_action: 'APPEND_IF_EXISTS_OR_ADD' }] } },
    });
  });
});

/**
 * A cluster stand-in: `POST …/__weft/forward` answers each request as the probe client's sidecar
 * would return it — every fifth request id (by its counter) aborted by the route's fault (503,
 * Envoy's FI), the rest served by backend v1's echo with the overlay's tag.
 */
function standIn(flagsHeader: boolean): Promise<{ url: string; server: Server }> {
  const tag = overlayTag(model, 'prod');
  let n = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const { requests } = JSON.parse(body) as { requests: { path: string; headers: Record<string, string> }[] };
      const results = requests.map((r) => {
        const id = r.headers['x-request-id'] ?? '';
        const readiness = id.startsWith('weft-ready');
        const abort = !readiness && n++ % 5 === 0;
        // Envoy: the caller's sidecar appends its flags to the callee sidecar's `-` (APPEND_IF_EXISTS_OR_ADD).
        const flags = abort ? 'FI' : '-, -';
        const echo = { service: 'backend', version: 'v1', instance: 'backend-v1-0', method: 'GET', path: r.path, query: {}, host: 'backend.t', headers: r.headers, protocol: 'HTTP/1.1', peer: null, peerMetadata: null, requestId: id, attempt: 1, tag };
        const headers: Record<string, string> = abort ? { 'content-type': 'text/plain' } : { 'content-type': 'application/json', 'x-weft-echo-service': 'backend' };
        if (flagsHeader) headers['x-weft-response-flags'] = flags;
        return { status: abort ? 503 : 200, headers, body: abort ? 'fault filter abort' : JSON.stringify(echo), durationMs: 1 };
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ results }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server })));
}

describe('weft verify --target on istio: checks judged by response flags read the overlay\'s header', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  it('judges the fault rate by FI in x-weft-response-flags (Envoy\'s `-` and comma-joined values)', async () => {
    const s = await standIn(true);
    server = s.server;
    const out = await verify({ configPath: CONFIG, env: 'prod', distDir: '/nonexistent', seed: 1, target: s.url, only: FAULT, targetReadyTimeoutMs: 20_000, out: devNull });
    const check = out.report!.checks.find((c) => c.id === FAULT)!;
    expect(check.assertions.map((a) => `${a.name}: ${a.status}`)).toEqual([expect.stringMatching(/: passed$/), 'abort rate (503, flag FI): passed']);
    expect(out.exitCode).toBe(0);
  }, 120_000);

  it('is inconclusive, never failed or passed, when no reply carries the header (the EnvoyFilter is not applied)', async () => {
    const s = await standIn(false);
    server = s.server;
    const out = await verify({ configPath: CONFIG, env: 'prod', distDir: '/nonexistent', seed: 1, target: s.url, only: FAULT, targetReadyTimeoutMs: 20_000, out: devNull });
    const check = out.report!.checks.find((c) => c.id === FAULT)!;
    expect(check.status).toBe('skipped');
    expect(check.assertions.map((a) => `${a.name}: ${a.status}`)).toEqual(['every probe answered as declared: skipped', 'abort rate (503, flag FI): skipped']);
    expect(check.skipReason).toMatch(/no reply carried x-weft-response-flags/);
    expect(out.exitCode).toBe(0);
  }, 120_000);
});
