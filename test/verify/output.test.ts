import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { githubAnnotations, stepSummary, writeGithub } from '../../src/verify/output/github';
import { junitXml } from '../../src/verify/output/junit';
import type { VerifyReport } from '../../src/verify/report';

const report: VerifyReport = {
  schemaVersion: 1,
  mesh: 'shop',
  environment: 'dev',
  mode: 'local',
  seed: 1,
  startedAt: '2026-11-30T00:00:00.000Z',
  durationMs: 1234,
  statistics: { familyAlpha: 0.001, statisticalChecks: 1, detectableDeviation: 0.05, power: 0.99 },
  summary: { checks: 1, passed: 0, failed: 1, skipped: 0, probes: 2469, notVerified: 1 },
  checks: [
    {
      id: 'split:shop/sf/app/route:canary',
      kind: 'split',
      title: 'split of route "canary" <v1 & v2>',
      declaration: { path: 'shop/sf/app/route:canary', file: 'mesh.config.ts', line: 87, column: 5 },
      status: 'failed',
      durationMs: 4000,
      assertions: [
        {
          name: 'share of version v1',
          status: 'failed',
          expected: '20.0%',
          observed: '732/2469 = 29.65%',
          evidence: {
            requests: 2469,
            counts: { '200 app v1': 732, '200 app v2': 1737 },
            proportion: { outcome: 'share of version v1', successes: 732, trials: 2469, expected: 0.2, observed: 0.2965, interval: [0.27, 0.32], confidence: 0.999, pValue: 1e-29, threshold: 0.001 },
            sampleRequestIds: ['w1r0-c0-0'],
          },
        },
      ],
    },
  ],
  notVerified: [{ kind: 'jwt', declaration: { path: 'shop/x', file: 'mesh.config.ts', line: 3, column: 1 }, reason: 'needs, commas: and\nnewlines' }],
};

describe('verify outputs', () => {
  it('JUnit: one testcase per assertion, escaped, with the declaration and the evidence', () => {
    const xml = junitXml(report);
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="weft verify shop\/dev" tests="2" failures="1"/);
    expect(xml).toContain('<testcase name="split:shop/sf/app/route:canary › share of version v1" classname="weft.verify.split" file="mesh.config.ts" line="87">');
    expect(xml).toContain('<failure message="mesh.config.ts:87: share of version v1: expected 20.0%, observed 732/2469 = 29.65%" type="split">');
    expect(xml).toContain('split of route &quot;canary&quot; &lt;v1 &amp; v2&gt;');
    expect(xml).toContain('exact binomial p-value: 1.000e-29 (Holm threshold 0.001000)');
    expect(xml).toContain('<skipped message="needs, commas: and\nnewlines"/>');
  });

  it('GitHub: an error annotation at the declaration, a warning per behaviour not verified, a step summary', () => {
    const text = githubAnnotations(report);
    expect(text).toContain('::error file=mesh.config.ts,line=87,col=5,title=weft verify%3A split%3Ashop/sf/app/route%3Acanary::share of version v1: expected 20.0%25, observed 732/2469 = 29.65%25\n');
    expect(text).toContain('::warning file=mesh.config.ts,line=3,title=weft verify%3A jwt not verified::needs, commas: and%0Anewlines\n');
    const file = join(mkdtempSync(join(tmpdir(), 'weft-gh-')), 'summary.md');
    let out = '';
    writeGithub(report, { GITHUB_STEP_SUMMARY: file }, (s) => (out += s));
    expect(out).toBe(text);
    expect(readFileSync(file, 'utf8')).toBe(stepSummary(report));
    expect(stepSummary(report)).toMatch(/\| ❌ \| `split:shop\/sf\/app\/route:canary` \| mesh\.config\.ts:87 \|/);
  });
});
