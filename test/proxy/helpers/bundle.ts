import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { startUpstream, type Upstream } from './upstream';

const root = fileURLToPath(new URL('../../..', import.meta.url));

/** Builds the precompiled proxy into `file`, as `npm run build:proxy` does (src/proxy/build.ts); throws with the build's stderr. */
export function buildProxyBundle(file: string): void {
  const build = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/proxy/build.ts'), file], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  if (build.status !== 0) throw new Error(`the proxy bundle did not build (status ${build.status}): ${build.stderr}`);
}

/** The built-in modules a proxy forked with `--import helpers/module-probe.mjs` has loaded so far. */
export function loadedBuiltins(child: ChildProcess): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no modules answer in 30 s')), 30_000);
    child.once('message', (m: { builtins: string[] }) => {
      clearTimeout(timer);
      resolve(m.builtins);
    });
    child.send({ type: 'modules' });
  });
}

export interface BuiltProxy {
  /** A fresh temporary folder, removed after the file's tests. */
  dir: string;
  /** The bundle, built into `dir` before the tests. */
  lib: string;
  /** Processes the tests start; killed after them. */
  children: Set<ChildProcess>;
  /** An upstream (`reviews-v1`), started before the tests. */
  upstream: Upstream;
}

/** Hooks of a test file that runs the precompiled proxy: the bundle built once, an upstream, and everything removed after. */
export function useBuiltProxy(prefix: string): BuiltProxy {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const fixture: BuiltProxy = { dir, lib: join(dir, 'weft-proxy.mjs'), children: new Set(), upstream: undefined as unknown as Upstream };
  beforeAll(async () => {
    buildProxyBundle(fixture.lib);
    fixture.upstream = await startUpstream('reviews-v1');
  }, 180_000);
  afterAll(async () => {
    for (const child of fixture.children) child.kill('SIGKILL');
    await fixture.upstream?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return fixture;
}

/** The smallest config of productpage's proxy: one route to `reviews` at 127.0.0.1:`upstreamPort`, listeners on free ports; `extra` adds top-level sections. */
export function reviewsConfig(upstreamPort: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: 1,
    workload: { service: 'productpage', namespace: 'shop' },
    listeners: { outbound: { host: '127.0.0.1', port: 0 }, admin: { host: '127.0.0.1', port: 0 } },
    services: [{ name: 'reviews', namespace: 'shop', subsets: [{ name: 'v1', endpoints: [{ address: '127.0.0.1', port: upstreamPort }] }] }],
    routes: [{ name: 'reviews', hosts: ['reviews'], action: { type: 'forward', destinations: [{ service: 'reviews' }] } }],
    ...extra,
  };
}
