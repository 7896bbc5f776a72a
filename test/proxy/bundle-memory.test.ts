/**
 * What the precompiled proxy keeps in memory (issue 16, RSS ≤ 64 MB): its config validators are
 * packed in the bundle and compiled only while a config loads (src/proxy/precompiled-validators.ts),
 * and the bundle is pure ASCII, so V8 holds its source one byte per character
 * (src/proxy/build.ts). Checked on a real process: its own heap snapshot (Node's
 * `--heapsnapshot-signal`) after a start, a valid reload and a rejected one.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { send } from './helpers/proxy';
import { replaceFile, until } from './helpers/files';
import { useBuiltProxy } from './helpers/bundle';

const built = useBuiltProxy('weft-bundle-memory-');
const { dir, lib } = built;
/** Messages only ajv's generated validator code carries (the proxy's own code has none of them). */
const VALIDATOR_STRINGS = ['must NOT have additional properties', 'must NOT have fewer than 1 items'];

const config = (upstream: number, prefix: string) => ({
  version: 1,
  workload: { service: 'productpage', namespace: 'shop' },
  listeners: { outbound: { port: 0 }, admin: { port: 0 } },
  reload: { pollIntervalMs: 100 },
  services: [{ name: 'reviews', namespace: 'shop', subsets: [{ name: 'v1', endpoints: [{ address: '127.0.0.1', port: upstream }] }], loadBalancer: { type: 'consistent-hash', hashOn: { header: 'x-user' } } }],
  routes: [
    { name: 'old', hosts: ['reviews'], match: { path: { prefix } }, action: { type: 'redirect', prefixRewrite: '/new' } },
    { name: 'r', hosts: ['reviews'], action: { type: 'forward', destinations: [{ service: 'reviews', subset: 'v1' }] } },
  ],
});

describe('precompiled proxy memory', () => {
  it('is pure ASCII, takes built-ins through require, and carries the config validators only packed', () => {
    const code = readFileSync(lib, 'latin1');
    expect(code.match(/[^\x00-\x7f]/g) ?? []).toEqual([]);
    for (const s of VALIDATOR_STRINGS) expect(code).not.toContain(s);
    // Built-ins come through process.getBuiltinModule (src/proxy/builtin-imports.ts), never an ES
    // import, not even of node:module for createRequire.
    expect([...code.matchAll(/^import .* from ["']([^"']+)["'];?$/gm)].map((m) => m[1])).toEqual([]);
    // 1.6 MB when every validator was plain code in the bundle.
    expect(statSync(lib).size).toBeLessThan(1_000_000);
  });

  it('holds no config validator after a start, a valid reload and a rejected reload, and still validates', async () => {
    const file = join(dir, 'proxy.json');
    writeFileSync(file, JSON.stringify(config(built.upstream.port, '/old')));
    const snapshots = join(dir, 'snapshots');
    spawnSync('mkdir', ['-p', snapshots]);
    const child = spawn(process.execPath, ['--heapsnapshot-signal=SIGUSR2', lib, '--config', file], { cwd: snapshots, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    type LogLine = { msg: string; ports?: { outbound: number }; issues?: Array<{ path: string; message: string }> };
    // Complete lines only: a chunk may end mid-line.
    const logLines = (): LogLine[] => stderr.slice(0, stderr.lastIndexOf('\n') + 1).split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogLine);
    try {
      const started = await until('proxy started', () => logLines().find((l) => l.msg === 'proxy started'));
      replaceFile(file, JSON.stringify(config(built.upstream.port, '/older')));
      await until('config reloaded', () => logLines().find((l) => l.msg === 'config reloaded'));
      expect((await send(started.ports!.outbound, 'reviews', '/older/x')).headers.location).toBe('http://reviews/new/x');
      replaceFile(file, JSON.stringify({ ...config(built.upstream.port, '/old'), extra: true }));
      const rejected = await until('config rejected', () => logLines().find((l) => l.msg.startsWith('config rejected')));
      expect(rejected.issues).toContainEqual({ path: '$.extra', message: 'unknown field' });

      child.kill('SIGUSR2');
      // Node writes the snapshot synchronously; it is complete once it parses.
      const snapshot = await until('heap snapshot', () => {
        const name = readdirSync(snapshots).find((f) => f.endsWith('.heapsnapshot'));
        if (!name) return undefined;
        try {
          return JSON.parse(readFileSync(join(snapshots, name), 'utf8')) as { strings: string[] };
        } catch {
          return undefined;
        }
      }, 60);
      const strings = new Set(snapshot.strings);
      for (const s of VALIDATOR_STRINGS) expect(strings.has(s), s).toBe(false);
      expect((await send(started.ports!.outbound, 'reviews', '/older/y')).headers.location).toBe('http://reviews/new/y');
    } finally {
      child.kill('SIGKILL');
    }
  }, 120_000);
});
