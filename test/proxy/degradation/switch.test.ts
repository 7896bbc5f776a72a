/**
 * A degradation switch flipped at runtime, under a bounded load: its state lives in its own
 * file (a ConfigMap volume in a pod), the proxy picks the change up without a config reload,
 * no request fails, and once the flip has propagated the shed service receives nothing.
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricsText, send, sleep, startProxy, type TestProxy } from '../helpers/proxy';
import { startUpstream, type Upstream } from '../helpers/upstream';

let captcha: Upstream;
let p: TestProxy;
let dir: string;
let file: string;

/** Replaces the file atomically, as the kubelet swaps a ConfigMap volume. */
function writeSwitches(states: Record<string, 'on' | 'off'>): void {
  const tmp = join(dir, `.tmp-${Math.random()}`);
  writeFileSync(tmp, JSON.stringify({ switches: states }));
  renameSync(tmp, file);
}

beforeAll(async () => {
  captcha = await startUpstream('python-app-anticaptcha');
  dir = mkdtempSync(join(tmpdir(), 'weft-switch-'));
  file = join(dir, 'switches.json');
  writeSwitches({ 'shed-anticaptcha': 'off' });
  p = await startProxy({
    listeners: { outbound: { port: 0 }, admin: { port: 0 } },
    reload: { pollIntervalMs: 50 },
    switches: { declared: [{ name: 'shed-anticaptcha', default: 'off' }], file },
    services: [{ name: 'python-app-anticaptcha', namespace: 'shop', subsets: [{ name: 'v1', endpoints: [{ address: '127.0.0.1', port: captcha.port }] }] }],
    routes: [
      {
        name: 'anticaptcha',
        hosts: ['python-app-anticaptcha'],
        degrade: [{ switch: 'shed-anticaptcha', response: { status: 200, headers: { 'content-type': 'application/json' }, body: '{"verdict":"skip"}' } }],
        action: { type: 'forward', destinations: [{ service: 'python-app-anticaptcha' }] },
      },
    ] as any,
  });
});

afterAll(async () => {
  await p.close();
  await captcha.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Sends at most `total` requests, `concurrency` at a time, until `done` holds; hands every reply to `onReply`. */
async function load(total: number, concurrency: number, onReply: (r: Awaited<ReturnType<typeof send>>) => void, done: () => boolean = () => false): Promise<void> {
  let sent = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (sent < total && !done()) {
        sent++;
        onReply(await send(p.outbound, 'python-app-anticaptcha', '/check'));
      }
    }),
  );
}

describe('degradation switch', () => {
  it('flips on at runtime under load: 0 failures, 0 requests reach the shed service after propagation', async () => {
    const hashBefore = p.proxy.runtime.hash;
    let failed = 0;
    let shedAnswers = 0;
    let flipped = false;
    let reachedAfterPropagation: number | null = null;
    await load(5000, 4, (r) => {
      if (r.status !== 200) failed++;
      if (r.headers['x-weft-fallback'] === 'switch/shed-anticaptcha') {
        shedAnswers++;
        // The first degraded answer marks propagation; record what the service had received by then.
        reachedAfterPropagation ??= captcha.count();
      }
      if (!flipped && captcha.count() >= 50) {
        flipped = true;
        writeSwitches({ 'shed-anticaptcha': 'on' });
      }
    }, () => shedAnswers >= 100);
    expect(flipped).toBe(true);
    expect(failed).toBe(0);
    expect(shedAnswers).toBeGreaterThan(0);
    // In flight when propagation was observed: at most the other 3 workers' requests.
    expect(captcha.count()).toBeLessThanOrEqual(reachedAfterPropagation! + 3);
    // After propagation, a second bounded load reaches the service not once.
    const settled = captcha.count();
    await load(200, 4, (r) => {
      if (r.status !== 200 || r.body !== '{"verdict":"skip"}') failed++;
    });
    expect(failed).toBe(0);
    expect(captcha.count()).toBe(settled);
    // No config reload happened: the same config hash serves.
    expect(p.proxy.runtime.hash).toBe(hashBefore);
    const m = await metricsText(p.admin);
    expect(m).toContain('weft_proxy_switch_state{switch="shed-anticaptcha"} 1');
    expect(m).toMatch(/^weft_proxy_switch_answers_total\{switch="shed-anticaptcha"\} [1-9]/m);
  });

  it('flips off again: the service receives traffic', async () => {
    writeSwitches({ 'shed-anticaptcha': 'off' });
    const before = captcha.count();
    for (let i = 0; i < 200 && captcha.count() === before; i++) {
      expect((await send(p.outbound, 'python-app-anticaptcha', '/check')).status).toBe(200);
      await sleep(20);
    }
    expect(captcha.count()).toBeGreaterThan(before);
  });

  it('keeps the last good states when the file is invalid', async () => {
    writeSwitches({ 'shed-anticaptcha': 'on' });
    for (let i = 0; i < 1000 && !p.proxy.switches.isOn('shed-anticaptcha'); i++) await sleep(20); // up to 20 s: a file watcher on a loaded machine
    writeFileSync(join(dir, 'bad.json'), '{"switches": {"shed-anticaptcha": "maybe"}}');
    renameSync(join(dir, 'bad.json'), file);
    for (let i = 0; i < 1000 && !p.logger.entries.some((l) => l.msg === 'switches file rejected; the last good states stay'); i++) await sleep(20);
    expect(p.logger.entries.some((l) => l.msg === 'switches file rejected; the last good states stay')).toBe(true);
    expect(p.proxy.switches.isOn('shed-anticaptcha')).toBe(true);
  });
});
