import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePorts } from '../../src/local/ports';
import { baseWorkload, metricsText, requestsTotal, send, sleep, startProxy, type TestProxy } from './helpers/proxy';
import { startUpstream, type Upstream } from './helpers/upstream';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function upstream(name: string): Promise<Upstream> {
  const u = await startUpstream(name);
  cleanup.push(() => u.close());
  return u;
}

/** A config in a Kubernetes-style ConfigMap volume: proxy.json → ..data/proxy.json, ..data → ..<version>. */
class ConfigMapVolume {
  readonly dir = mkdtempSync(join(tmpdir(), 'weft-cm-'));
  readonly file = join(this.dir, 'proxy.json');
  private n = 0;
  constructor(doc: unknown) {
    this.publish(doc);
    symlinkSync('..data/proxy.json', this.file);
  }
  /** What the kubelet does: write a new directory, then atomically swap the ..data symlink. */
  publish(doc: unknown): void {
    const version = `..v${++this.n}`;
    mkdirSync(join(this.dir, version));
    writeFileSync(join(this.dir, version, 'proxy.json'), typeof doc === 'string' ? doc : JSON.stringify(doc));
    symlinkSync(version, join(this.dir, '..data_tmp'));
    renameSync(join(this.dir, '..data_tmp'), join(this.dir, '..data'));
  }
}

function config(ports: { outbound?: number; admin?: number }, body: string, extra: Record<string, unknown> = {}) {
  return {
    version: 1,
    workload: baseWorkload,
    listeners: { outbound: { port: ports.outbound ?? 0 }, admin: { port: ports.admin ?? 0 } },
    routes: [{ name: 'hello', hosts: ['*'], action: { type: 'directResponse', status: 200, body } }],
    reload: { pollIntervalMs: 100 },
    ...extra,
  };
}

// Generous: a reload on a loaded machine waits for the file watcher and a busy event loop; a condition, not a clock.
async function until(check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await sleep(25);
  }
  throw new Error('condition not met in time');
}

/** A port for a child to bind: picked below the ephemeral range, where another process's listen(0) cannot take it first (src/local/ports.ts). */
async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port!;
}

async function proxyFrom(vol: ConfigMapVolume): Promise<TestProxy> {
  const { WeftProxy } = await import('../../src/proxy/proxy');
  const { MemoryLogger } = await import('../../src/proxy/log');
  const logger = new MemoryLogger();
  const proxy = await WeftProxy.start({ configPath: vol.file, logger });
  const t = { proxy, logger, inbound: -1, outbound: proxy.ports.outbound!, admin: proxy.ports.admin!, close: () => proxy.close() };
  cleanup.push(() => proxy.close());
  return t;
}

describe('hot reload', () => {
  it('follows a ConfigMap ..data symlink swap; rejects an invalid config, logs and counts it, keeps serving', async () => {
    const vol = new ConfigMapVolume(config({}, 'one'));
    const p = await proxyFrom(vol);
    expect((await send(p.outbound, 'x', '/')).body).toBe('one');
    const hash1 = JSON.parse((await send(p.admin, 'x', '/config_dump')).body).hash;

    vol.publish({ ...config({}, 'two'), listeners: { outbound: { port: p.outbound }, admin: { port: p.admin } } });
    // Listener ports are part of the pod spec: same ports ⇒ accepted (port 0 in the first file
    // resolved to these, so spell them out to keep the listeners identical).
    await until(async () => (await send(p.outbound, 'x', '/')).body !== 'one' || p.proxy.reloads.rejected > 0);
    expect(p.proxy.reloads.rejected).toBe(1); // 0 → concrete ports is a listener change
    expect(p.logger.entries.some((e) => e.code === 'WEFT_PROXY_RELOAD_REJECTED')).toBe(true);

    vol.publish(config({}, 'three'));
    await until(async () => (await send(p.outbound, 'x', '/')).body === 'three');
    const hash3 = JSON.parse((await send(p.admin, 'x', '/config_dump')).body).hash;
    expect(hash3).not.toBe(hash1);

    vol.publish('{"version": 1, "workload": {"service": "x"');
    await until(async () => p.proxy.reloads.rejected === 2);
    vol.publish({ ...config({}, 'bad'), routes: [{ name: 'r', action: { type: 'forward', destinations: [{ service: 'ghost' }] } }] });
    await until(async () => p.proxy.reloads.rejected === 3);
    const err = p.logger.entries.filter((e) => e.code === 'WEFT_PROXY_CONFIG_INVALID').at(-1)!;
    expect(err.issues).toEqual([{ path: '$.routes[0].action.destinations[0].service', message: 'unknown service "ghost"' }]);
    expect((await send(p.outbound, 'x', '/')).body).toBe('three');
    expect(JSON.parse((await send(p.admin, 'x', '/config_dump')).body).hash).toBe(hash3);
    const m = await metricsText(p.admin);
    expect(m).toContain('weft_proxy_config_reloads_total{result="rejected"} 3');
    expect(m).toContain('weft_proxy_config_reloads_total{result="applied"} 1');
  });

  it('reloads under load with zero failed requests, and an in-flight request to a removed endpoint completes', async () => {
    const [a, b] = await Promise.all([upstream('a'), upstream('b')]);
    const svc = (u: Upstream) => [{ name: 'svc', namespace: 'shop', subsets: [{ name: 'v1', endpoints: [{ address: '127.0.0.1', port: u.port }] }] }];
    const p = await startProxy({ listeners: { outbound: { port: 0 }, admin: { port: 0 } }, services: svc(a) as any });
    cleanup.push(() => p.close());
    const doc = (u: Upstream, n: number) =>
      JSON.stringify({ version: 1, workload: baseWorkload, listeners: { outbound: { port: 0 }, admin: { port: 0 } }, services: svc(u), routes: [{ name: `r${n}`, hosts: ['svc'], action: { type: 'forward', destinations: [{ service: 'svc' }] } }] });

    // In flight at a (seen there: a condition, not a sleep) and held 3 s, across the first reloads that remove a.
    const slowOne = send(p.outbound, 'svc', '/slow?delay=3000');
    await until(async () => a.received.some((r) => r.url === '/slow?delay=3000'), 20_000);

    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    let stop = false;
    const statuses: number[] = [];
    const loops = Array.from({ length: 16 }, async () => {
      while (!stop) statuses.push((await send(p.outbound, 'svc', '/', { agent })).status);
    });
    // Condition-based: each reload happens once 16 more requests have completed under load.
    for (let i = 0; i < 10; i++) {
      const seen = statuses.length;
      await until(async () => statuses.length >= seen + 16, 20_000);
      expect(await p.proxy.reload(doc(i % 2 === 0 ? b : a, i))).toBe(true);
    }
    stop = true;
    await Promise.all(loops);
    agent.destroy();
    const slow = await slowOne;
    expect(slow.status).toBe(200);
    expect(slow.headers['x-upstream']).toBe('a');
    expect(statuses.length).toBeGreaterThanOrEqual(160);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(p.proxy.reloads.applied).toBe(10);
    expect(b.count()).toBeGreaterThan(0);
  });
});

describe('graceful drain', () => {
  it('finishes in-flight requests, turns /ready to 503, then stops accepting', async () => {
    const u = await upstream('u');
    const p = await startProxy({
      listeners: { outbound: { port: 0 }, admin: { port: 0 } },
      services: [{ name: 'svc', namespace: 'shop', subsets: [{ name: 'v1', endpoints: [{ address: '127.0.0.1', port: u.port }] }] }],
    });
    // The upstream holds the request 3 s: it is in flight (seen by the upstream, a condition, not
    // a sleep) for all of the checks below, even on a loaded machine.
    u.defaultDelay = 3000;
    const inflight = send(p.outbound, 'svc', '/');
    await until(async () => u.count() === 1, 20_000);
    const drained = p.proxy.drain(10_000);
    await sleep(20);
    expect((await send(p.admin, 'x', '/ready')).status).toBe(503);
    const refused = await send(p.outbound, 'svc', '/');
    expect(refused.status).toBe(0); // no longer accepting
    const r = await inflight;
    expect(r.status).toBe(200);
    expect(r.headers.connection).toBe('close');
    await drained;
  });
});

describe('weft proxy CLI', () => {
  const bin = join(__dirname, '../../bin/weft.mjs');

  it('--check validates a file: exit 0 for valid, 1 with JSON path and reason for invalid', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-cli-'));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...config({}, 'x'), routes: [{ name: 'r', action: { type: 'directResponse', status: 999 } }] }));
    const run = (file: string) =>
      new Promise<{ code: number | null; err: string }>((resolve) => {
        const c = spawn(process.execPath, [bin, 'proxy', '--config', file, '--check'], { stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        c.stderr.on('data', (d) => (err += d));
        c.on('exit', (code) => resolve({ code, err }));
      });
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify(config({}, 'x')));
    const [ok, r] = await Promise.all([run(good), run(bad)]);
    expect(ok.code).toBe(0);
    expect(r.code).toBe(1);
    expect(r.err).toContain('$.routes[0].action.status: must be <= 599');
  });

  it('--workers 2 serves from several processes, prints its admin port, aggregates metrics, reloads, and drains on SIGTERM', async () => {
    const [outbound, admin] = [await freePort(), await freePort()];
    const vol = new ConfigMapVolume(config({ outbound, admin }, 'w1'));
    const child = spawn(process.execPath, [bin, 'proxy', '--config', vol.file, '--workers', '2'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    cleanup.push(async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    // Condition-based, generous bounds: three processes start on a possibly loaded machine.
    await until(async () => (await send(admin, 'x', '/ready')).status === 200, 90_000);
    expect(stderr).toMatch(new RegExp(`"msg":"proxy primary started".*"ports":\\{"admin":${admin}\\}`));
    for (let i = 0; i < 20; i++) {
      const r = await send(outbound, 'x', '/');
      expect(r.body).toBe('w1');
    }
    const m = await metricsText(admin);
    expect(requestsTotal(m, 'reporter="source"', 'response_code="200"')).toBe(20);
    expect(m.split('\n').filter((l) => l.startsWith('weft_proxy_worker_info{')).length).toBe(2);
    vol.publish(config({ outbound, admin }, 'w2'));
    await until(async () => (await send(outbound, 'x', '/')).body === 'w2', 60_000);
    // Every worker got the new config: sample enough to hit both.
    for (let i = 0; i < 20; i++) expect((await send(outbound, 'x', '/')).body).toBe('w2');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toContain('"msg":"draining workers"');
  }, 240_000);

  it('runs the precompiled bundle; local mode binds 127.0.0.1 and overrides listeners and endpoints', async () => {
    const u = await upstream('local-app');
    const [outbound, admin] = [await freePort(), await freePort()];
    const dir = mkdtempSync(join(tmpdir(), 'weft-local-'));
    const file = join(dir, 'proxy.json');
    // As emitted for a cluster: listeners on all interfaces, endpoints that do not exist here.
    writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        workload: baseWorkload,
        listeners: { outbound: { host: '0.0.0.0', port: 15001 }, admin: { host: '0.0.0.0', port: 15000 } },
        services: [{ name: 'reviews', namespace: 'shop', subsets: [{ name: 'v1', endpoints: [{ address: '10.1.2.3', port: 9080 }] }] }],
      }),
    );
    const child = spawn(process.execPath, [bin, 'proxy', '--config', file, '--listen', `outbound=${outbound}`, '--listen', `admin=${admin}`, '--endpoint', `reviews=127.0.0.1:${u.port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    cleanup.push(async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    await until(async () => (await send(admin, 'x', '/ready')).status === 200, 90_000);
    expect(stderr).toContain('"entry":"bundle"');
    const r = await send(outbound, 'reviews', '/hello');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).upstream).toBe('local-app');
    const dump = JSON.parse((await send(admin, 'x', '/config_dump')).body);
    expect(dump.config.listeners.outbound).toMatchObject({ host: '127.0.0.1', port: outbound });
    expect(dump.config.services[0].subsets[0].endpoints).toEqual([{ address: '127.0.0.1', port: u.port, weight: 1 }]);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 120_000);

  it('local mode refuses an --endpoint for a service the config does not have', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-local-'));
    const file = join(dir, 'proxy.json');
    writeFileSync(file, JSON.stringify(config({}, 'x')));
    const c = spawn(process.execPath, [bin, 'proxy', '--config', file, '--endpoint', 'ghost=127.0.0.1:1'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((resolve) => c.on('exit', resolve));
    expect(code).toBe(2);
    expect(err).toContain('--endpoint names no service');
  }, 120_000);
});
