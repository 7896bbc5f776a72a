/** `weft switch`: edits the switches file a running proxy watches, and prints the ConfigMap patch from dist/. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { command } from '../../src/cli/commands/switch';
import { send, sleep, startProxy } from '../proxy/helpers/proxy';
import { startUpstream } from '../proxy/helpers/upstream';

const dir = mkdtempSync(join(tmpdir(), 'weft-switch-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    return { code: await command.run(args), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('weft switch', () => {
  it('--file flips the state a running proxy reads, keeping the other switches', async () => {
    const file = join(dir, 'switches.json');
    writeFileSync(file, JSON.stringify({ switches: { shed: 'off', other: 'on' } }));
    const up = await startUpstream('captcha');
    const p = await startProxy({
      listeners: { outbound: { port: 0 }, admin: { port: 0 } },
      reload: { pollIntervalMs: 50 },
      switches: { declared: [{ name: 'shed', default: 'off' }, { name: 'other', default: 'off' }], file },
      services: [{ name: 'captcha', namespace: 'shop', subsets: [{ name: 'v1', endpoints: [{ address: '127.0.0.1', port: up.port }] }] }],
      routes: [{ name: 'c', hosts: ['captcha'], degrade: [{ switch: 'shed', response: { status: 200, body: 'skip' } }], action: { type: 'forward', destinations: [{ service: 'captcha' }] } }] as any,
    });
    try {
      expect((await send(p.outbound, 'captcha', '/')).headers['x-weft-fallback']).toBeUndefined();
      expect((await run('shed', 'on', '--file', file)).code).toBe(0);
      expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ switches: { other: 'on', shed: 'on' } });
      for (let i = 0; i < 1000 && !p.proxy.switches.isOn('shed'); i++) await sleep(20); // up to 20 s: a file watcher on a loaded machine
      const before = up.count();
      const r = await send(p.outbound, 'captcha', '/');
      expect([r.body, r.headers['x-weft-fallback']]).toEqual(['skip', 'switch/shed']);
      expect(up.count()).toBe(before);
    } finally {
      await p.close();
      await up.close();
    }
  });

  it('rejects an unknown switch and bad usage', async () => {
    const file = join(dir, 'known.json');
    writeFileSync(file, JSON.stringify({ switches: { shed: 'off' } }));
    const r = await run('nope', 'on', '--file', file);
    expect(r.code).toBe(1);
    expect(r.err).toContain('no switch "nope"');
    expect((await run('shed', 'maybe', '--file', file)).code).toBe(2);
  });

  it('--env prints the kubectl patch of each namespace ConfigMap from dist/', async () => {
    const r = await run('shed-anticaptcha', 'on', '--env', 'dev');
    expect(r.code).toBe(0);
    expect(r.out).toContain("kubectl -n storefront patch configmap weft-switches --type merge -p '");
    const patch = JSON.parse(r.out.split('\n')[0]!.replace(/^.*-p '/, '').replace(/'$/, '')) as { data: Record<string, string> };
    expect(JSON.parse(patch.data['switches.json']!)).toEqual({ switches: { 'shed-anticaptcha': 'on' } });
    expect((await run('shed-anticaptcha', 'on', '--env', 'prod')).err).toContain('only in weft environments');
  });
});
