/**
 * The precompiled proxy (`npm run build:proxy` → lib/weft-proxy.mjs), as the image and the
 * benchmark run it: self-contained (no tsx, no zod, no ajv compiler, nothing from node_modules
 * at run time), validating with ajv's standalone code for the committed JSON Schema — with the
 * same defaults as zod — and proxying.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proxyConfigSchema } from '../../src/proxy/config/schema';
import { send, json } from './helpers/proxy';
import { startUpstream, type Upstream } from './helpers/upstream';

const root = fileURLToPath(new URL('../..', import.meta.url));
const lib = join(root, 'lib/weft-proxy.mjs');
const dir = mkdtempSync(join(tmpdir(), 'weft-build-'));

// Defaults inside unions (destination weight, redirect status, consistent-hash options) are
// the ones ajv's useDefaults skips: the precompiled validators must fill them too.
const config = (upstream: number) => ({
  version: 1,
  workload: { service: 'productpage', namespace: 'shop' },
  listeners: { outbound: { port: 0 }, admin: { port: 0 } },
  services: [
    { name: 'reviews', namespace: 'shop', subsets: [{ name: 'v1', endpoints: [{ address: '127.0.0.1', port: upstream }] }] },
    { name: 'ratings', namespace: 'shop', subsets: [{ name: 'v1', endpoints: [{ address: '127.0.0.1', port: upstream }] }], loadBalancer: { type: 'consistent-hash', hashOn: { header: 'x-user' } } },
  ],
  routes: [
    { name: 'old', hosts: ['reviews'], match: { path: { prefix: '/old' } }, action: { type: 'redirect', prefixRewrite: '/new' } },
    { name: 'r', hosts: ['reviews'], action: { type: 'forward', destinations: [{ service: 'reviews', subset: 'v1' }] } },
  ],
});

describe('precompiled proxy (lib/weft-proxy.mjs)', () => {
  let up: Upstream;
  beforeAll(async () => {
    const build = spawnSync('npm', ['run', '--silent', 'build:proxy'], { cwd: root, encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);
    up = await startUpstream('reviews-v1');
    // A bound against a hang, not a speed check: the build packs every config validator.
  }, 180_000);
  afterAll(async () => up?.close());

  it('is one self-contained file: only node: built-ins are imported, zod and tsx are not bundled', () => {
    const code = readFileSync(lib, 'utf8');
    // Built-ins come through process.getBuiltinModule (src/proxy/builtin-imports.ts).
    const imports = [...code.matchAll(/^import .* from ["']([^"']+)["']/gm), ...code.matchAll(/(?:__require|process\.getBuiltinModule)\(["']([^"']+)["']\)/g)].map((m) => m[1]!);
    expect(imports.length).toBeGreaterThan(0);
    for (const spec of imports) expect(spec, spec).toMatch(/^node:/);
    expect(code).not.toContain('node_modules/zod/');
    expect(code).not.toContain('node_modules/ajv/dist/compile/');
    expect(code).not.toContain('node_modules/tsx/');
  });

  it('--check validates with the committed JSON Schema (exit 0 valid, 1 invalid with the JSON path)', () => {
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify(config(up.port)));
    const ok = spawnSync(process.execPath, [lib, '--config', good, '--check'], { encoding: 'utf8' });
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/valid \(sha256:[0-9a-f]{64}\)/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...config(up.port), routes: [{ name: 'r', hosts: ['reviews'], action: { type: 'forward', destinations: [{ service: 'reviews', weight: -1 }] } }] }));
    const no = spawnSync(process.execPath, [lib, '--config', bad, '--check'], { encoding: 'utf8' });
    expect(no.status).toBe(1);
    expect(no.stderr).toContain('WEFT_PROXY_CONFIG_INVALID');
    expect(no.stderr).toContain('$.routes[0].action.destinations[0].weight: must be >= 0');
  });

  it('proxies a request, applies the same defaults as zod (/config_dump), and drains on SIGTERM', async () => {
    const file = join(dir, 'run.json');
    writeFileSync(file, JSON.stringify(config(up.port)));
    const child = spawn(process.execPath, [lib, '--config', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    try {
      const started = await new Promise<{ outbound: number; admin: number }>((resolve, reject) => {
        const check = (): void => {
          const line = stderr.split('\n').find((l) => l.includes('"msg":"proxy started"'));
          if (line) resolve(JSON.parse(line).ports);
        };
        child.stderr!.on('data', check);
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
      });
      const r = await send(started.outbound, 'reviews', '/hello');
      expect(r.status).toBe(200);
      expect(json(r)).toMatchObject({ upstream: 'reviews-v1', method: 'GET', url: '/hello' });
      expect((await send(started.outbound, 'reviews', '/old/x')).headers.location).toBe('http://reviews/new/x');
      expect(json(await send(started.admin, '127.0.0.1', '/config_dump')).config).toEqual(proxyConfigSchema.parse(config(up.port)));
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
