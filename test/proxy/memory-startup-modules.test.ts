/**
 * What the precompiled proxy loads to read its config and trace (issue 16, RSS ≤ 64 MB): the file is
 * read through `node:fs`'s callback API (src/proxy/config/read-text.ts), so neither start-up nor a
 * reload loads `node:fs/promises`, which brings `readline`'s interface and the REPL history with
 * it (1.0 MB on Node 24); the config hash and the trace and request ids need no `node:crypto`
 * (2.8 MB on Node 24); request timing, timeouts, pool expiry and rate limits read
 * src/proxy/clock.ts, so the `performance` global never loads `perf_hooks` (0.57 MB on Node 24);
 * the bundle takes built-ins with `process.getBuiltinModule`, so `node:module` (and its source-map
 * support) is not loaded for `createRequire` (0.12 MB on Node 24).
 * Checked on a real process of the bundle with the module probe
 * (`process.moduleLoadList` over IPC), after a start, a reload, a rejected reload and traffic,
 * against an ES module that does nothing: Node 20's ES module loader reads modules through
 * `internal/fs/promises` itself, so there the proxy can only avoid what Node has not loaded.
 */
import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { send } from './helpers/proxy';
import { replaceFile, until } from './helpers/files';
import { loadedBuiltins, useBuiltProxy } from './helpers/bundle';

const PROBE = fileURLToPath(new URL('./helpers/module-probe.mjs', import.meta.url));
const built = useBuiltProxy('weft-startup-modules-');
const { dir, lib, children } = built;
/**
 * Loaded by `node:fs/promises` (on Node 24 by nothing else at start): none of them is needed to
 * read a file; and `node:crypto`, which a config without TLS needs neither for its hash
 * (src/proxy/sha256.ts) nor for trace ids (src/proxy/random-fill.ts).
 */
const NOT_LOADED = ['node:fs/promises', 'node:internal/fs/promises', 'node:internal/readline/interface', 'node:internal/repl/history', 'node:crypto', 'node:perf_hooks', 'node:internal/perf/performance', 'node:module'];

const config = (upstream: number, route: string) => ({
  version: 1,
  workload: { service: 'productpage', namespace: 'shop' },
  listeners: { outbound: { host: '127.0.0.1', port: 0 }, admin: { host: '127.0.0.1', port: 0 } },
  reload: { pollIntervalMs: 100 },
  // Every reader of the clock on the way: the exchange's start and upstream time (metrics, access
  // log), the route's and the per-try deadlines, the rate limit's bucket, the pool's idle expiry.
  services: [{ name: 'reviews', namespace: 'shop', connectionPool: { idleTimeoutMs: 60_000 }, subsets: [{ name: 'v1', endpoints: [{ address: '127.0.0.1', port: upstream }] }] }],
  routes: [
    {
      name: route,
      hosts: ['reviews'],
      timeoutMs: 5_000,
      retries: { attempts: 2, perTryTimeoutMs: 2_000, retryOn: ['5xx'] },
      rateLimit: { maxTokens: 1_000, tokensPerFill: 1_000, fillIntervalMs: 1_000 },
      action: { type: 'forward', destinations: [{ service: 'reviews' }] },
    },
  ],
  observability: { metrics: true, accessLog: { path: join(dir, 'access.log') }, tracing: { samplingPercent: 100 } },
});


describe('the config is read without node:fs/promises (the precompiled proxy)', () => {
  it('starts, reloads, rejects a broken file and serves traced requests without loading node:fs/promises, readline, node:crypto, perf_hooks or node:module', async () => {
    const file = join(dir, 'proxy.json');
    writeFileSync(file, JSON.stringify(config(built.upstream.port, 'first')));
    const child = fork(lib, ['--config', file], { execArgv: ['--import', PROBE], stdio: ['ignore', 'ignore', 'pipe', 'ipc'], cwd: dir });
    children.add(child);
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const lines = () => stderr.slice(0, stderr.lastIndexOf('\n') + 1).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string; ports?: Record<string, number> });
    const started = await until('proxy started', () => lines().find((l) => l.msg === 'proxy started'));
    const traced = await send(started.ports!.outbound!, 'reviews', '/one');
    expect(traced.status).toBe(200);
    // The upstream saw fresh ids: a W3C traceparent and a UUID v4 request id.
    expect(built.upstream.received.at(-1)!.headers['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(built.upstream.received.at(-1)!.headers['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    replaceFile(file, JSON.stringify(config(built.upstream.port, 'second')));
    await until('config reloaded', () => lines().find((l) => l.msg === 'config reloaded'));
    replaceFile(file, '{ not json');
    await until('reload rejected', () => lines().find((l) => /reject/i.test(l.msg)));
    expect((await send(started.ports!.outbound!, 'reviews', '/two')).status).toBe(200);

    writeFileSync(join(dir, 'idle.mjs'), 'setInterval(() => {}, 60_000);\n');
    const idle = fork(join(dir, 'idle.mjs'), [], { execArgv: ['--import', PROBE], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    children.add(idle);
    const byNode = await loadedBuiltins(idle);
    const loaded = await loadedBuiltins(child);
    expect(loaded).toContain('node:fs');
    expect(NOT_LOADED.filter((id) => loaded.includes(id) && !byNode.includes(id))).toEqual([]);
  }, 90_000);
});
