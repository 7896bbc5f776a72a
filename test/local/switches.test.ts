/**
 * The local mesh's degradation switches (src/local/switches.ts): every proxy watches one switches
 * file; a flip at runtime, under a bounded load of 4 concurrent clients through both replicas of
 * the caller, propagates to every proxy, after which the shed service's echo counter stays flat
 * and the callers get the switch's answer with 0 failed requests; flipped back, calls reach it
 * again. Then `weft switch <name> on|off --local` does the same to a mesh started as `weft up`
 * starts it (announced in a state folder). Real proxies and echoes on loopback.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Mesh } from '../../src/index';
import { LocalMesh } from '../../src/local/mesh';
import { fixtureDist } from '../verify/fixtures/dist';
import { command as switchCommand } from '../../src/cli/commands/switch';

const SKIP = '{"verdict":"skip"}';

function meshWithSwitch(): Mesh {
  const mesh = new Mesh('sw', { environments: { dev: { mesh: 'weft' } } });
  const t = mesh.team('shop', { namespace: 'shop' });
  const captcha = t.service('captcha', { port: 8080, versions: { v1: { image: 'x/c:1' } } });
  const gw = t.service('gw', { port: 8080, versions: { v1: { image: 'x/g:1', replicas: 2 } }, calls: [captcha] });
  gw.degrade(mesh.switch('shed', { description: 'skip the captcha call', default: 'off' }), { calls: [captcha], response: { status: 200, headers: { 'content-type': 'application/json' }, body: SKIP } });
  return mesh;
}


let dist: string;
let mesh: LocalMesh;
const pools: Pool[] = [];
// The state folder where an announced mesh leaves its run record (src/local/run-record.ts), this test's own.
const stateDir = mkdtempSync(join(tmpdir(), 'weft-sw-state-'));
const savedStateDir = process.env.WEFT_LOCAL_STATE_DIR;
beforeAll(async () => {
  process.env.WEFT_LOCAL_STATE_DIR = stateDir;
  dist = fixtureDist(meshWithSwitch());
  mesh = await LocalMesh.start({ distDir: dist, env: 'dev', announce: true });
}, 180_000);
afterAll(async () => {
  await Promise.all(pools.map((p) => p.destroy()));
  await mesh?.stop();
  if (savedStateDir === undefined) delete process.env.WEFT_LOCAL_STATE_DIR;
  else process.env.WEFT_LOCAL_STATE_DIR = savedStateDir;
  rmSync(dist, { recursive: true, force: true });
  rmSync(stateDir, { recursive: true, force: true });
});

async function weftSwitch(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((x) => ((out += String(x)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((x) => ((err += String(x)), true));
  try {
    return { code: await switchCommand.run(args), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

/** One call to captcha through gw's first proxy. */
async function callOnce(): Promise<Answer> {
  const res = await request(`http://127.0.0.1:${mesh.instancesOf('shop', 'gw')[0]!.ports.outbound}/check`, { headers: { host: 'captcha.shop:8080', 'x-request-id': `once-${Math.random()}` } });
  return { id: '', status: res.statusCode, body: await res.body.text(), fallback: res.headers['x-weft-fallback'] as string | undefined };
}

interface Answer {
  id: string;
  status: number;
  body: string;
  fallback?: string;
  error?: string;
}

/** Arrivals at captcha's echo of request ids starting with `prefix`. */
async function arrivals(prefix: string): Promise<number> {
  const port = mesh.instancesOf('shop', 'captcha')[0]!.ports.echo;
  const res = await fetch(`http://127.0.0.1:${port}/__weft/seen?prefix=${encodeURIComponent(prefix)}`);
  return ((await res.json()) as { arrivals: number }).arrivals;
}

/**
 * A bounded load: `clients` concurrent clients call captcha through gw's outbound proxies (both
 * replicas, alternately), tagging each request id with the phase it was sent in, until `stop()`
 * or 4000 requests.
 */
function startLoad(clients = 4) {
  const ports = mesh.instancesOf('shop', 'gw').map((i) => i.ports.outbound);
  const byPort = ports.map((p) => {
    const pool = new Pool(`http://127.0.0.1:${p}`, { connections: clients });
    pools.push(pool);
    return pool;
  });
  let phase = 'before';
  let sent = 0;
  let stopped = false;
  const answers = new Map<string, Answer[]>();
  const inflight = new Map<string, number>();
  const client = async (c: number): Promise<void> => {
    while (!stopped && sent < 4000) {
      const n = sent++;
      const tag = phase;
      inflight.set(tag, (inflight.get(tag) ?? 0) + 1);
      const id = `load.${tag}-${n}`;
      let answer: Answer;
      try {
        const res = await byPort[(c + n) % byPort.length]!.request({ method: 'GET', path: '/check', headers: { host: 'captcha.shop:8080', 'x-request-id': id }, headersTimeout: 30_000, bodyTimeout: 30_000 });
        answer = { id, status: res.statusCode, body: await res.body.text(), fallback: res.headers['x-weft-fallback'] as string | undefined };
      } catch (error) {
        answer = { id, status: 0, body: '', error: (error as Error).message };
      }
      answers.set(tag, [...(answers.get(tag) ?? []), answer]);
      inflight.set(tag, inflight.get(tag)! - 1);
    }
  };
  const running = Promise.all(Array.from({ length: clients }, (_, c) => client(c)));
  return {
    set phase(p: string) {
      phase = p;
    },
    answers: (p: string) => answers.get(p) ?? [],
    /** Waits (bounded) until phase `p` has `n` answers. */
    async collect(p: string, n: number): Promise<void> {
      for (let i = 0; i < 1200 && (answers.get(p)?.length ?? 0) < n && sent < 4000; i++) await new Promise((r) => setTimeout(r, 25));
    },
    /**
     * Starts phase `p` (a transition: new requests may get either answer) and waits until the
     * requests of the phase before have all been answered, so that each of those was handled
     * entirely in its own phase's state; the load keeps running meanwhile.
     */
    async begin(p: string): Promise<void> {
      const previous = phase;
      phase = p;
      for (let i = 0; i < 6000 && (inflight.get(previous) ?? 0) > 0; i++) await new Promise((r) => setTimeout(r, 5));
    },
    async stop(): Promise<void> {
      stopped = true;
      await running;
    },
  };
}

const fromCaptcha = (a: Answer) => a.status === 200 && a.fallback === undefined && (JSON.parse(a.body) as { service?: string }).service === 'captcha';
const fromSwitch = (a: Answer) => a.status === 200 && a.body === SKIP && a.fallback === 'switch/shed';

describe('local mesh switches', () => {
  it('gives every proxy one switches file with the shipped states', () => {
    expect(mesh.switchesFile).toBeDefined();
    expect(JSON.parse(readFileSync(mesh.switchesFile!, 'utf8'))).toEqual({ switches: { shed: 'off' } });
    for (const inst of mesh.instances) expect(JSON.parse(readFileSync(inst.configFile, 'utf8')).switches.file).toBe(mesh.switchesFile);
    expect(mesh.switchWatchers().map((w) => w.label).sort()).toEqual(['proxy of captcha-v1-0', 'proxy of gw-v1-0', 'proxy of gw-v1-1']);
  });

  it('flips under a bounded load: 0 failed requests, 0 arrivals at the shed service after propagation, calls return after the flip back', async () => {
    const load = startLoad();
    try {
      await load.collect('before', 40);
      await load.begin('flipping');
      expect(await mesh.setSwitch('shed', 'on')).toBe(3);
      load.phase = 'on';
      await load.collect('on', 80);
      await load.begin('restoring');
      expect(await mesh.setSwitch('shed', 'off')).toBe(3);
      load.phase = 'after';
      await load.collect('after', 40);
    } finally {
      await load.stop();
    }
    const before = load.answers('before');
    const on = load.answers('on');
    const after = load.answers('after');
    const moving = [...load.answers('flipping'), ...load.answers('restoring')];
    expect(before.length).toBeGreaterThanOrEqual(40);
    expect(on.length).toBeGreaterThanOrEqual(80);
    expect(after.length).toBeGreaterThanOrEqual(40);
    // 0 failed requests: each answer is the callee's or the switch's, as its phase allows.
    expect(before.filter((a) => !fromCaptcha(a))).toEqual([]);
    expect(on.filter((a) => !fromSwitch(a))).toEqual([]);
    expect(after.filter((a) => !fromCaptcha(a))).toEqual([]);
    expect(moving.filter((a) => !fromCaptcha(a) && !fromSwitch(a))).toEqual([]);
    // The shed service saw nothing sent after the flip had propagated.
    expect(await arrivals('load.on-')).toBe(0);
    expect(await arrivals('load.before-')).toBe(before.length);
    expect(await arrivals('load.after-')).toBe(after.length);
  }, 240_000);

  it('weft switch --local flips the announced mesh and returns once every proxy reports it', async () => {
    const on = await weftSwitch('shed', 'on', '--local', '--env', 'dev');
    expect(on.err).toBe('');
    expect(on.code).toBe(0);
    expect(on.out).toMatch(/^switch "shed" is on in the local mesh of "dev": 3 proxies report it \(\d+ ms\)\n$/);
    expect(fromSwitch(await callOnce())).toBe(true);
    expect((await weftSwitch('shed', 'off', '--local')).code).toBe(0);
    expect(fromCaptcha(await callOnce())).toBe(true);
  }, 120_000);

  it('weft switch --local names what is wrong: an undeclared switch, no mesh of that environment, --file with --local', async () => {
    const unknown = await weftSwitch('nope', 'on', '--local');
    expect([unknown.code, unknown.err]).toEqual([1, 'weft switch: WEFT_LOCAL_UNKNOWN_SWITCH: no switch "nope" (declared: "shed")\n']);
    const none = await weftSwitch('shed', 'on', '--local', '--env', 'prod');
    expect(none.code).toBe(1);
    expect(none.err).toContain('WEFT_LOCAL_NOT_RUNNING: no local mesh of environment "prod" is running');
    expect((await weftSwitch('shed', 'on', '--local', '--file', 'x.json')).code).toBe(2);
    expect(JSON.parse(readFileSync(mesh.switchesFile!, 'utf8'))).toEqual({ switches: { shed: 'off' } });
  });
});
