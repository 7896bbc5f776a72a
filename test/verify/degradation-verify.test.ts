/**
 * `weft verify` checks degradation over the local mesh (real proxies and echo workloads on
 * loopback, through the real CLI, bounded): a service's fallback on a 500 and on a timeout, and a
 * switch that is on. Then the same plan against a dist/ compiled with the switch off must fail:
 * the check can tell a mesh that sheds from one that does not.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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
  resilience: { timeout: '1s', fallback: { on: ['5xx', 'timeout'], response: { status: 200, headers: { 'content-type': 'application/json' }, body: '{"verdict":"unknown"}' } } },
});
const extra = t.service('extra', { port: 8080, versions: { v1: { image: 'x/e:1' } } });
const gw = t.service('gw', { port: 8080, versions: { v1: { image: 'x/g:1' } }, calls: [captcha, extra] });
gw.degrade(sw, { calls: [extra], response: { status: 200, body: 'skipped' } });
export default mesh;
`;

let scratch: ReturnType<typeof scratchDir>;
const weft = (args: string[], timeout = 300_000) =>
  spawnSync(process.execPath, [join(repoRoot, 'bin/weft.mjs'), ...args], { cwd: scratch.dir, encoding: 'utf8', timeout, env: { ...process.env, CI: 'true', GITHUB_ACTIONS: '', NO_COLOR: '1' } });

function verify(extra: string[]): { report: VerifyReport; status: number | null; out: string } {
  const json = join(mkdtempSync(join(tmpdir(), 'weft-deg-')), 'report.json');
  const r = weft(['verify', '--only', '/^(fallback|switch):/', '--json', json, ...extra], 400_000);
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
}, 600_000);
afterAll(() => scratch?.cleanup());

describe('weft verify: degradation over the local mesh', () => {
  it('sees the fallback answer on a 500 and on a timeout, and the switch answering while the callee sees nothing', () => {
    const { report, status, out } = verify([]);
    const checks = new Map(report.checks.map((c) => [c.id, c]));
    expect([...checks.keys()].sort()).toEqual(['fallback:deg/shop/captcha<-gw', 'switch:deg/shop/gw/degrade:shed->extra']);
    for (const c of checks.values()) expect(c.status, `${c.id}: ${c.assertions.map((a) => `${a.name}: ${a.observed}`).join('; ')}`).toBe('passed');
    expect(checks.get('fallback:deg/shop/captcha<-gw')!.assertions.map((a) => a.observed)).toEqual([
      '200 "{"verdict":"unknown"}" with x-weft-fallback: 5xx',
      // The flag of what happened stays visible (x-weft-response-flags), as in Envoy's access log.
      '200 UT "{"verdict":"unknown"}" with x-weft-fallback: timeout',
    ]);
    expect(checks.get('switch:deg/shop/gw/degrade:shed->extra')!.assertions.every((a) => a.observed.endsWith('0 arrival(s) at extra'))).toBe(true);
    expect(status, out).toBe(0);
  }, 500_000);

  it('fails the switch check against a dist/ compiled with the switch off', () => {
    const { report, status } = verify(['--dist', 'dist-off']);
    const sw = report.checks.find((c) => c.id === 'switch:deg/shop/gw/degrade:shed->extra')!;
    expect(sw.status).toBe('failed');
    expect(sw.assertions[0]!.observed).toMatch(/1 arrival\(s\) at extra$/);
    expect(status).toBe(1);
  }, 500_000);
});
