/**
 * `weft verify` drives a caller's ratio breaker through one cycle over the local mesh (real
 * proxies and echo workloads on loopback, through the real CLI, bounded): failures open it, a
 * healthy request is then answered by the circuit-open fallback and never reaches the callee,
 * and after the open interval the half-open probes reach the callee and close it. The same plan
 * against dist/s compiled differently must fail: without the breaker (nothing opens), and with
 * an open interval far longer than declared (the probes are still refused).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerifyReport } from '../../src/verify/report';
import { repoRoot, scratchDir } from '../e2e/helpers';

const ID = 'ratio-breaker:brk/shop/captcha<-gw';
const LIMITED = 'fallback:brk/shop/quota<-gw';

const CONFIG = (breaker: string, limit: string) => `import { Mesh } from 'weft';
const mesh = new Mesh('brk', { environments: { dev: { mesh: 'weft' } } });
const t = mesh.team('shop', { namespace: 'shop' });
const captcha = t.service('captcha', {
  port: 8080,
  versions: { v1: { image: 'x/c:1' } },
  resilience: {
    fallback: { on: ['circuit-open'], response: { status: 200, body: 'busy, try later' } },
    ${breaker}
  },
});
const quota = t.service('quota', {
  port: 8080,
  versions: { v1: { image: 'x/q:1' } },
  resilience: { fallback: { on: ['rate-limited'], response: { status: 200, body: 'over quota' } }, ${limit} },
});
t.service('gw', { port: 8080, versions: { v1: { image: 'x/g:1' } }, calls: [captcha, quota] });
export default mesh;
`;
const LIMIT = `rateLimit: { requests: 2, per: '1s', burst: 2 }`;
const DECLARED = `circuitBreaker: { ratio: { failureRatio: 50, minRequests: 4, window: '3s', openFor: '2s', halfOpenProbes: 2 } },`;

let scratch: ReturnType<typeof scratchDir>;
const weft = (args: string[], timeout = 300_000) =>
  spawnSync(process.execPath, [join(repoRoot, 'bin/weft.mjs'), ...args], { cwd: scratch.dir, encoding: 'utf8', timeout, env: { ...process.env, CI: 'true', GITHUB_ACTIONS: '', NO_COLOR: '1' } });

function verify(extra: string[]): { report: VerifyReport; status: number | null; out: string } {
  const json = join(mkdtempSync(join(tmpdir(), 'weft-brk-')), 'report.json');
  const r = weft(['verify', '--only', '/^(ratio-breaker|fallback):/', '--json', json, ...extra], 400_000);
  if (!existsSync(json)) throw new Error(`weft verify wrote no report (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return { report: JSON.parse(readFileSync(json, 'utf8')) as VerifyReport, status: r.status, out: r.stdout + r.stderr };
}

function synth(breaker: string, limit: string, out?: string): void {
  writeFileSync(join(scratch.dir, 'mesh.config.ts'), CONFIG(breaker, limit));
  const r = weft(['synth', ...(out ? ['--out', out] : [])]);
  expect(r.status, r.stderr).toBe(0);
}

beforeAll(() => {
  scratch = scratchDir();
  synth('', '', 'dist-none');
  synth(DECLARED.replace("openFor: '2s'", "openFor: '10m'"), LIMIT, 'dist-long');
  synth(DECLARED, LIMIT);
}, 600_000);
afterAll(() => scratch?.cleanup());

const observed = (r: VerifyReport, id = ID) => r.checks.find((c) => c.id === id)!.assertions.map((a) => `${a.status}: ${a.name}: ${a.observed}`);

describe('weft verify: a ratio breaker over the local mesh', () => {
  it('opens on failures, answers with the circuit-open fallback, then closes after the half-open probes', () => {
    const { report, status, out } = verify([]);
    expect(report.checks.map((c) => c.id).sort()).toEqual([LIMITED, ID]);
    for (const c of report.checks) expect(c.status, observed(report, c.id).join('\n')).toBe('passed');
    expect(observed(report, LIMITED)).toEqual(['passed: requests past the rate limit (burst 2) get the fallback: 200 RL "over quota" with x-weft-fallback: rate-limited']);
    const lines = observed(report);
    const failures = Number(/refused after (\d+) failing probe\(s\)$/.exec(lines[0]!)?.[1]);
    expect(failures).toBeGreaterThanOrEqual(4);
    expect(lines[1]).toMatch(/"busy, try later" with x-weft-fallback: circuit-open, 0 arrival\(s\) at captcha$/);
    expect(lines[2]).toMatch(/; 2 arrival\(s\)$/);
    expect(lines[3]).toMatch(/1 arrival\(s\)$/);
    expect(status, out).toBe(0);
  }, 500_000);

  it('fails against a dist/ compiled without the breaker and the limit: nothing opens, nothing is limited', () => {
    const { report, status } = verify(['--dist', 'dist-none']);
    expect(observed(report, LIMITED)).toEqual([expect.stringMatching(/^failed: requests past the rate limit \(burst 2\) get the fallback: 200 quota v1 .* with x-weft-fallback: \(none\)$/)]);
    const lines = observed(report);
    expect(lines).toEqual([expect.stringMatching(/^failed: the breaker opens after failures: no refusal in 13 failing probes \(13 × 500 captcha v1\)$/)]);
    expect(status).toBe(1);
  }, 500_000);

  it('fails against a dist/ compiled with a longer open interval: the half-open probes are refused', () => {
    const { report, status } = verify(['--dist', 'dist-long']);
    expect(report.checks.find((c) => c.id === LIMITED)!.status).toBe('passed');
    const lines = observed(report);
    expect(lines[0]).toMatch(/^passed: /);
    expect(lines[1]).toMatch(/^passed: /);
    expect(lines[2]).toMatch(/^failed: .*; 0 arrival\(s\)$/);
    expect(lines[3]).toMatch(/^failed: /);
    expect(status).toBe(1);
  }, 500_000);
});
