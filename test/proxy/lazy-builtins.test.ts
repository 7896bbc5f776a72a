/**
 * The precompiled proxy loads `node:tls`, `node:http2` and `node:dns/promises` only when its
 * config uses them (src/proxy/builtins-on-demand.ts; issue 16, RSS ≤ 64 MB: on Node 24 they
 * are 8 MB of a process), and `node:http` never (its admin listener is on node:net, 1.4 MB on
 * Node 24). Checked on real processes of the bundle, with a preloaded probe that
 * reports `process.moduleLoadList` over IPC: a plain HTTP/1.1 config serves without them; a
 * reload that adds an HTTP/2 upstream loads node:http2 then, and traffic to a real h2c server
 * works; a proxy whose config has mTLS loads node:tls at start and serves mTLS; a proxy that
 * exports spans over OTLP/HTTP does so without loading undici (`fetch` would: 13–15 MB).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createH2Server, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, send } from './helpers/proxy';
import { startUpstream, type Upstream } from './helpers/upstream';
import { spiffe, TestCa, writeCertDir } from './security/helpers/ca';
import { replaceFile, until } from './helpers/files';
import { buildProxyBundle, loadedBuiltins } from './helpers/bundle';

const PROBE = fileURLToPath(new URL('./helpers/module-probe.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'weft-lazy-builtins-'));
const lib = join(dir, 'weft-proxy.mjs');
const ON_DEMAND = ['node:http', 'node:tls', 'node:http2', 'node:dns/promises'];
const children = new Set<ChildProcess>();

const plainConfig = (upstream: number) => ({
  version: 1,
  workload: { service: 'productpage', namespace: 'shop' },
  listeners: { outbound: { host: '127.0.0.1', port: 0 }, admin: { host: '127.0.0.1', port: 0 } },
  reload: { pollIntervalMs: 100 },
  services: [{ name: 'reviews', namespace: 'shop', subsets: [{ name: 'v1', endpoints: [{ address: '127.0.0.1', port: upstream }] }] }],
  routes: [{ name: 'reviews', hosts: ['reviews'], action: { type: 'forward', destinations: [{ service: 'reviews' }] } }],
});

/** The plain config plus a service whose endpoints speak HTTP/2 (h2c), and a route to it. */
const withHttp2Upstream = (upstream: number, h2: number) => {
  const c = plainConfig(upstream);
  return {
    ...c,
    services: [...c.services, { name: 'ratings', namespace: 'shop', protocol: 'http2', subsets: [{ name: 'v1', endpoints: [{ address: '127.0.0.1', port: h2 }] }] }],
    routes: [...c.routes, { name: 'ratings', hosts: ['ratings'], action: { type: 'forward', destinations: [{ service: 'ratings' }] } }],
  };
};

interface RunningProxy {
  child: ChildProcess;
  logLines(): Array<{ msg: string; ports?: Record<string, number> }>;
  /** The on-demand built-ins the process has loaded so far. */
  onDemandLoaded(): Promise<string[]>;
  /** Every built-in the process has loaded so far (`node:…`, internal ones included). */
  builtins(): Promise<string[]>;
}

/** Runs the bundle as the image does (no tsx), with the module probe preloaded and an IPC channel. */
function runBundle(configFile: string): RunningProxy {
  const child = fork(lib, ['--config', configFile], { execArgv: ['--import', PROBE], stdio: ['ignore', 'ignore', 'pipe', 'ipc'], cwd: dir });
  children.add(child);
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  return {
    child,
    // Complete lines only: a chunk may end mid-line.
    logLines: () => stderr.slice(0, stderr.lastIndexOf('\n') + 1).split('\n').filter(Boolean).map((l) => JSON.parse(l)),
    builtins,
    onDemandLoaded: async () => {
      const loaded = await builtins();
      return ON_DEMAND.filter((id) => loaded.includes(id));
    },
  };
  function builtins(): Promise<string[]> {
    return loadedBuiltins(child);
  }
}

describe('built-ins loaded on demand (the precompiled proxy)', () => {
  let up: Upstream;
  let h2: Http2Server;
  let h2Port: number;
  beforeAll(async () => {
    buildProxyBundle(lib);
    up = await startUpstream('reviews-v1');
    h2 = createH2Server();
    h2.on('stream', (stream, headers) => {
      stream.respond({ ':status': 200, 'content-type': 'application/json' });
      stream.end(JSON.stringify({ served: 'ratings-h2', path: headers[':path'] }));
    });
    await new Promise<void>((r) => h2.listen(0, '127.0.0.1', r));
    h2Port = (h2.address() as AddressInfo).port;
  }, 180_000);
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await up?.close();
    await new Promise<void>((r) => (h2 ? h2.close(() => r()) : r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves a plain HTTP/1.1 config and its admin without node:http, node:tls, node:http2 or node:dns/promises; a reload to an HTTP/2 upstream loads node:http2 and carries traffic', async () => {
    const file = join(dir, 'plain.json');
    writeFileSync(file, JSON.stringify(plainConfig(up.port)));
    const proxy = runBundle(file);
    const started = await until('proxy started', () => proxy.logLines().find((l) => l.msg === 'proxy started'));
    const outbound = started.ports!.outbound!;
    const r = await send(outbound, 'reviews', '/plain');
    expect(r.status).toBe(200);
    expect(json(r).url).toBe('/plain');
    expect((await send(started.ports!.admin!, 'admin', '/ready')).status).toBe(200);
    expect(await proxy.onDemandLoaded()).toEqual([]);

    replaceFile(file, JSON.stringify(withHttp2Upstream(up.port, h2Port)));
    await until('config reloaded', () => proxy.logLines().find((l) => l.msg === 'config reloaded'));
    // Still nothing: the HTTP/2 session opens on the first request to that service.
    expect(await proxy.onDemandLoaded()).toEqual([]);
    const viaH2 = await send(outbound, 'ratings', '/stars');
    expect(viaH2.status).toBe(200);
    expect(json(viaH2)).toEqual({ served: 'ratings-h2', path: '/stars' });
    expect(await proxy.onDemandLoaded()).toContain('node:http2');
    expect((await send(outbound, 'reviews', '/after')).status).toBe(200);
  }, 90_000);

  it('loads node:tls for a config with mTLS, at start, and serves mTLS with it', async () => {
    const ca = await TestCa.create();
    const certs = writeCertDir(await ca.issue([spiffe('shop', 'productpage')]));
    const client = await ca.issue([spiffe('web', 'frontend')]);
    const file = join(dir, 'mtls.json');
    writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        workload: { service: 'productpage', namespace: 'shop' },
        listeners: { inbound: { host: '127.0.0.1', port: 0, app: { port: up.port } }, admin: { host: '127.0.0.1', port: 0 } },
        security: { mtls: { mode: 'STRICT', files: { certFile: certs.certFile, keyFile: certs.keyFile, caFile: certs.caFile } } },
      }),
    );
    const proxy = runBundle(file);
    const started = await until('proxy started', () => proxy.logLines().find((l) => l.msg === 'proxy started'));
    expect(await proxy.onDemandLoaded()).toEqual(['node:tls']);
    const status = await new Promise<number>((resolve) => {
      const req = httpsRequest(
        { host: '127.0.0.1', port: started.ports!.inbound, path: '/secure', headers: { host: 'productpage' }, agent: false, ca: client.ca, cert: client.cert, key: client.key, checkServerIdentity: () => undefined, timeout: 10_000 },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('timeout', () => req.destroy(new Error('client timeout')));
      req.on('error', () => resolve(0));
      req.end();
    });
    expect(status).toBe(200);
    rmSync(certs.dir, { recursive: true, force: true });
  }, 90_000);

  it('exports spans over OTLP/HTTP without loading undici', async () => {
    const batches: string[] = [];
    const collector = createHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        batches.push(Buffer.concat(chunks).toString());
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
    try {
      const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}/v1/traces`;
      const file = join(dir, 'otlp.json');
      writeFileSync(file, JSON.stringify({ ...plainConfig(up.port), observability: { tracing: { samplingPercent: 100, otlp: { endpoint, encoding: 'json', flushIntervalMs: 100 } } } }));
      const proxy = runBundle(file);
      const started = await until('proxy started', () => proxy.logLines().find((l) => l.msg === 'proxy started'));
      expect((await send(started.ports!.outbound!, 'reviews', '/traced')).status).toBe(200);
      const batch = await until('a span batch at the collector', () => batches[0]);
      expect(JSON.parse(batch).resourceSpans[0].scopeSpans[0].spans.length).toBeGreaterThan(0);
      expect((await proxy.builtins()).filter((m) => m.includes('undici'))).toEqual([]);
    } finally {
      await new Promise<void>((r) => collector.close(() => r()));
    }
  }, 90_000);
});
