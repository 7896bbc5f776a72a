/**
 * `weft verify` checks degradation over the local mesh (real proxies and echo workloads on
 * loopback, through the real CLI, bounded): a service's fallback on a 500, a timeout, a refused
 * connection and a connection-pool overflow, a shaping queue's overflow answered by its fallback,
 * a switch that is on, and the switch flipped off and back on at runtime under a bounded load.
 * Then the same plan against a dist/ compiled with the switch off must fail the static check
 * (while the runtime flip still passes: it flips the file), and against a dist/ whose caller
 * config lost its switch rule (a hand edit), the runtime flip must fail: nothing is shed.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerifyReport } from '../../src/verify/report';
import { repoRoot, scratchDir } from '../e2e/helpers';

const CONFIG = (state: 'on' | 'off') => `import { Mesh } from 'weft';
const mesh = new Mesh('deg', { environments: { dev: { mesh: 'weft', switches: { shed: '${state}' } } } });
const sw = mesh.switch('shed', { description: 'shed the extra call' });
const t = mesh.team('shop', { namespace: 'shop' });
const captcha = t.service('captcha', {
  port: 8080,
  versions: { v1: { image: 'x/c:1' } },
  resilience: {
    timeout: '1s',
    circuitBreaker: { maxConnections: 2, maxPendingRequests: 2 },
    fallback: { on: ['5xx', 'timeout', 'connect-failure', 'circuit-open'], response: { status: 200, headers: { 'content-type': 'application/json' }, body: '{"verdict":"unknown"}' } },
  },
});
const extra = t.service('extra', { port: 8080, versions: { v1: { image: 'x/e:1' } } });
const queue = t.service('queue', {
  port: 8080,
  versions: { v1: { image: 'x/q:1' } },
  resilience: { rateLimit: { requests: 10, per: '1s', mode: 'shape', maxQueue: 5 }, fallback: { on: ['rate-limited'], response: { status: 200, body: 'try later' } } },
});
const recs = t.service('recs', { port: 8080, versions: { v1: { image: 'x/r:1' }, static: { image: 'x/r:static' } } });
recs.route('live', { to: recs.version('v1') });
const gw = t.service('gw', { port: 8080, versions: { v1: { image: 'x/g:1' } }, calls: [captcha, extra, queue, recs] });
gw.degrade(sw, { calls: [extra], response: { status: 200, body: 'skipped' } });
// A switch that sends to a static version of the callee instead of a preset answer.
gw.degrade(mesh.switch('static-recs', { description: 'serve cached recommendations' }), { calls: [recs], to: recs.version('static') });
export default mesh;
`;

let scratch: ReturnType<typeof scratchDir>;
const weft = (args: string[], timeout = 300_000) =>
  spawnSync(process.execPath, [join(repoRoot, 'bin/weft.mjs'), ...args], { cwd: scratch.dir, encoding: 'utf8', timeout, env: { ...process.env, CI: 'true', GITHUB_ACTIONS: '', NO_COLOR: '1' } });

function verify(extra: string[], only = '/^(fallback|switch|switch-flip):/'): { report: VerifyReport; status: number | null; out: string } {
  const json = join(mkdtempSync(join(tmpdir(), 'weft-deg-')), 'report.json');
  const r = weft(['verify', '--only', only, '--json', json, ...extra], 400_000);
  if (!existsSync(json)) throw new Error(`weft verify wrote no report (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return { report: JSON.parse(readFileSync(json, 'utf8')) as VerifyReport, status: r.status, out: r.stdout + r.stderr };
}

beforeAll(() => {
  scratch = scratchDir();
  writeFileSync(join(scratch.dir, 'mesh.config.ts'), CONFIG('off'));
  const off = weft(['synth', '--out', 'dist-off']);
  expect(off.status, off.stderr).toBe(0);
  writeFileSync(join(scratch.dir, 'mesh.config.ts'), CONFIG('on'));
  const on = weft(['synth']);
  expect(on.status, on.stderr).toBe(0);
  // A hand edit: gw's proxy config without its switch rule (the switches file is still watched).
  cpSync(join(scratch.dir, 'dist'), join(scratch.dir, 'dist-unshed'), { recursive: true });
  const gwConfig = join(scratch.dir, 'dist-unshed/dev/weft/shop/gw-v1.json');
  const config = JSON.parse(readFileSync(gwConfig, 'utf8')) as { routes: { degrade?: unknown }[] };
  for (const route of config.routes) delete route.degrade;
  writeFileSync(gwConfig, `${JSON.stringify(config, null, 2)}\n`);
  // Another: no fallbacks at all (gw's routes, queue's inbound listener), as a proxy that ignored them would behave.
  cpSync(join(scratch.dir, 'dist'), join(scratch.dir, 'dist-nofallback'), { recursive: true });
  const edits: [string, (c: any) => void][] = [
    ['gw-v1.json', (c) => c.routes.forEach((r: { fallback?: unknown }) => delete r.fallback)],
    ['queue-v1.json', (c) => delete c.listeners.inbound.fallback],
  ];
  for (const [file, edit] of edits) {
    const path = join(scratch.dir, 'dist-nofallback/dev/weft/shop', file);
    const c = JSON.parse(readFileSync(path, 'utf8'));
    edit(c);
    writeFileSync(path, `${JSON.stringify(c, null, 2)}\n`);
  }
}, 600_000);
afterAll(() => scratch?.cleanup());

describe('weft verify: degradation over the local mesh', () => {
  it('sees the fallback answer for every reason it provokes, the switch answering while the callee sees nothing, and a runtime flip', () => {
    const { report, status, out } = verify([]);
    const checks = new Map(report.checks.map((c) => [c.id, c]));
    expect([...checks.keys()].sort()).toEqual(['fallback:deg/shop/captcha<-gw', 'fallback:deg/shop/queue<-gw', 'switch-flip:deg/shop/gw/degrade:shed->extra', 'switch-flip:deg/shop/gw/degrade:static-recs->recs', 'switch:deg/shop/gw/degrade:shed->extra']);
    for (const c of checks.values()) expect(c.status, `${c.id}: ${c.assertions.map((a) => `${a.name}: ${a.observed}`).join('; ')}`).toBe('passed');
    expect(checks.get('fallback:deg/shop/captcha<-gw')!.assertions.map((a) => a.observed)).toEqual([
      '200 "{"verdict":"unknown"}" with x-weft-fallback: 5xx',
      // The flag of what happened stays visible (x-weft-response-flags), as in Envoy's access log.
      '200 UT "{"verdict":"unknown"}" with x-weft-fallback: timeout',
      // A closed port as the only endpoint, in a second proxy of the caller (src/verify/drive/refusing-caller.ts).
      '200 UF "{"verdict":"unknown"}" with x-weft-fallback: connect-failure',
      // 8 held requests at once against a pool that admits 2 connections + 2 pending.
      '200 UO "{"verdict":"unknown"}" with x-weft-fallback: circuit-open',
    ]);
    // 20 at once against a shaping queue of 5 that releases 10 per second.
    expect(checks.get('fallback:deg/shop/queue<-gw')!.assertions.map((a) => a.observed)).toEqual(['200 RL "try later" with x-weft-fallback: rate-limited']);
    expect(checks.get('switch:deg/shop/gw/degrade:shed->extra')!.assertions.every((a) => a.observed.endsWith('0 arrival(s) at extra'))).toBe(true);
    const flip = checks.get('switch-flip:deg/shop/gw/degrade:shed->extra')!;
    expect(flip.assertions.map((a) => a.name)).toEqual(['the flips reach every proxy', 'flipped off: calls reach extra again', 'back on: every answer is the switch\'s and extra receives nothing', '0 failed requests under load (4 clients)']);
    // Every proxy declares the switch: gw, captcha, extra, queue, recs v1 and static (one instance each).
    expect(flip.assertions[0]!.observed).toMatch(/^off: 6 proxies in \d+ ms; on: 6 proxies in \d+ ms$/);
    expect(flip.assertions[2]!.observed).toMatch(/; 0 arrival\(s\) at extra$/);
    // The switch to a static version: while on, recs static answers (marked) and recs v1 receives nothing.
    const toStatic = checks.get('switch-flip:deg/shop/gw/degrade:static-recs->recs')!;
    expect(toStatic.assertions.map((a) => a.name)).toEqual(['the flips reach every proxy', 'flipped on: every answer is the switch\'s and recs receives nothing', 'back off: calls reach recs again', '0 failed requests under load (4 clients)']);
    expect(toStatic.assertions[1]!.observed).toMatch(/^\d+ answer\(s\): \d+ × 200 recs static; 0 arrival\(s\) at recs$/);
    expect(toStatic.assertions[2]!.observed).toMatch(/^\d+ answer\(s\): \d+ × 200 recs v1; \d+ arrival\(s\) at recs$/);
    expect(status, out).toBe(0);
  }, 500_000);

  it('fails the switch check against a dist/ compiled with the switch off', () => {
    const { report, status } = verify(['--dist', 'dist-off']);
    const sw = report.checks.find((c) => c.id === 'switch:deg/shop/gw/degrade:shed->extra')!;
    expect(sw.status).toBe('failed');
    expect(sw.assertions[0]!.observed).toMatch(/1 arrival\(s\) at extra$/);
    // The runtime flip checks the shipped state too: its first phase expects the switch's answer, which dist-off does not give.
    expect(report.checks.find((c) => c.id === 'switch-flip:deg/shop/gw/degrade:shed->extra')!.status).toBe('failed');
    expect(status).toBe(1);
  }, 500_000);

  it('fails every fallback case against proxy configs without the fallbacks', () => {
    const { report, status } = verify(['--dist', 'dist-nofallback'], '/^fallback:/');
    const cases = report.checks.filter((c) => c.id.startsWith('fallback:')).flatMap((c) => c.assertions);
    expect(cases.map((a) => a.name)).toEqual([
      'an upstream 500 gets the fallback',
      'an upstream slower than 1000 ms gets the fallback',
      'a refused upstream connection gets the fallback',
      'requests past the connection pool (4 admitted) get the fallback',
      'requests past the shaping queue (5 waiting) get the fallback',
    ]);
    expect(cases.filter((a) => a.status !== 'failed').map((a) => `${a.name}: ${a.observed}`)).toEqual([]);
    expect(status).toBe(1);
  }, 500_000);

  it('fails the runtime flip against a caller config without the switch rule', () => {
    const { report, status } = verify(['--dist', 'dist-unshed']);
    const flip = report.checks.find((c) => c.id === 'switch-flip:deg/shop/gw/degrade:shed->extra')!;
    expect(flip.status).toBe('failed');
    // The flips propagate (the file is watched), but with the switch on the calls still reach extra.
    // (dist/ ships the switch on, so the flip goes off, then on: the phase judged as on is the last.)
    expect(flip.assertions[0]!.status).toBe('passed');
    expect(flip.assertions[2]!.status).toBe('failed');
    expect(flip.assertions[2]!.observed).not.toMatch(/; 0 arrival\(s\) at extra$/);
    expect(status).toBe(1);
  }, 500_000);
});
