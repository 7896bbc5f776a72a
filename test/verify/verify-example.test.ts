/**
 * `npm run verify` on the example: the whole plan against the local mesh started from the
 * committed dist/, through the real CLI (bounded). It proves the example passes (no failed
 * check), that the reports are written, and that the plan-only and error paths behave.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { VerifyReport } from '../../src/verify/report';

const ROOT = join(__dirname, '../..');
const weft = (args: string[], timeout: number) => spawnSync(process.execPath, ['bin/weft.mjs', ...args], { cwd: ROOT, encoding: 'utf8', timeout, env: { ...process.env, CI: 'true', GITHUB_ACTIONS: '' } });

describe('weft verify on the example mesh', () => {
  it('prints the plan with planned probes and what it cannot verify, without running anything', () => {
    const r = weft(['verify', '--plan'], 120_000);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^split:shop\/storefront\/springboot-app\/route:canary\s+n=\s*\d+\s+mesh\.config\.ts:\d+\s+v1 20% \/ v2 80%$/m);
    expect(r.stdout).toMatch(/family-wise α = 0\.001 \(Holm\)/);
    expect(r.stdout).toMatch(/not verified \(\d+\):/);
    expect(r.stderr).toMatch(/warning WEFT802/);
  }, 150_000);

  it('refuses --local on a non-weft environment with WEFT801', () => {
    const r = weft(['verify', '--env', 'prod'], 120_000);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/error WEFT801 environment "prod" uses mesh "istio"/);
  }, 150_000);

  it('passes on the committed dist/, writing JSON and JUnit with the evidence', () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-verify-'));
    const json = join(dir, 'report.json');
    const junit = join(dir, 'junit.xml');
    const r = weft(['verify', '--local', '--json', json, '--report', junit, '--seed', '3'], 400_000);
    const report = JSON.parse(readFileSync(json, 'utf8')) as VerifyReport;
    const failed = report.checks.filter((c) => c.status === 'failed').map((c) => `${c.id}: ${c.assertions.filter((a) => a.status === 'failed').map((a) => `${a.name}: ${a.observed}`).join('; ')}`);
    expect(failed, r.stdout).toEqual([]);
    expect(r.status).toBe(0);
    expect(report.summary.probes).toBeGreaterThan(5000);
    expect(report.checks.map((c) => c.kind)).toEqual(expect.arrayContaining(['route', 'split', 'retries', 'timeout', 'fault', 'rate-limit', 'redirect', 'direct-response', 'mtls', 'authorization', 'jwt']));
    const split = report.checks.find((c) => c.id === 'split:shop/storefront/springboot-app/route:canary')!;
    const share = split.assertions.find((a) => a.evidence.proportion)!;
    expect(share.evidence.proportion!.pValue).toBeGreaterThan(share.evidence.proportion!.threshold);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(/<testcase name="split:shop\/storefront\/springboot-app\/route:canary › share of version v1" classname="weft.verify.split" file="mesh.config.ts" line="\d+"/);
    expect(xml).toMatch(/exact binomial p-value: [0-9.e-]+ \(Holm threshold/);
    expect(xml).toMatch(/Clopper-Pearson interval/);
    expect(xml).toMatch(/sample request ids: w3r0-/);
  }, 420_000);
});
