/**
 * The report page from a real run: a small `weft verify` on the fixture mesh (test/verify/fixtures,
 * its local mesh on loopback; bounded by `only`), its JSON report rendered as the page, and the
 * page checked in headless Chromium (Debian `chromium`, playwright-core) against the report:
 * the pass/fail counts, a split with its interval, the latency histograms per route, the retry
 * attempts, the authorization matrix as a grid, and no console error.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseReport, renderReportHtml } from '../../src/report/index';
import type { VerifyReport } from '../../src/verify/report';
import { verify } from '../../src/verify/verify';
import { fixtureDist } from '../verify/fixtures/dist';
import { launch, openFile, type OpenedPage } from '../graph/browser';

const dir = mkdtempSync(join(tmpdir(), 'weft-real-report-'));
let dist: string;
let report: VerifyReport;
let chromium: Awaited<ReturnType<typeof launch>>;
let opened: OpenedPage;

beforeAll(async () => {
  dist = fixtureDist();
  const json = join(dir, 'report.json');
  const out = await verify({
    configPath: 'test/verify/fixtures/mesh.config.ts',
    distDir: dist,
    seed: 7,
    only: '/^(split:fx\\/t\\/backend\\/route:api|route:fx\\/t\\/backend\\/route:beta|retries:fx\\/t\\/backend\\/route:beta|timeout:fx\\/t\\/backend\\/route:beta|authorization:fx\\/t\\/front|jwt:.*)$/',
    json,
    out: { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream,
  });
  expect(out.report, JSON.stringify(out.diagnostics)).toBeDefined();
  // What the page renders is the file the run wrote, read back as `weft report` reads it.
  report = parseReport(readFileSync(json, 'utf8'), json);
  const file = join(dir, 'report.html');
  writeFileSync(file, renderReportHtml(report));
  chromium = await launch();
  opened = await openFile(chromium.browser, file, { width: 1280, height: 900 });
}, 400_000);

afterAll(async () => {
  await opened?.close();
  await chromium?.close();
  rmSync(dir, { recursive: true, force: true });
  if (dist) rmSync(dist, { recursive: true, force: true });
});

describe('the report page of a real verify run, in headless Chromium', () => {
  it('shows the run\'s own pass/fail counts', async () => {
    const { page } = opened;
    const count = async (k: string) => Number((await page.locator(`#summary .card[data-count="${k}"] .value`).textContent())!.trim());
    expect(report.summary.checks).toBeGreaterThanOrEqual(5);
    expect(await count('passed')).toBe(report.summary.passed);
    expect(await count('failed')).toBe(report.summary.failed);
    expect(await page.locator('tbody.check').count()).toBe(report.summary.checks);
  });

  it('draws the split with its confidence interval and the latency histogram per route', async () => {
    const { page } = opened;
    const split = report.checks.find((c) => c.id === 'split:fx/t/backend/route:api')!;
    const outcome = split.assertions.find((a) => a.evidence.proportion)!.evidence.proportion!.outcome;
    const band = await page.locator(`#proportions g.proportion[data-outcome="${outcome}"] rect.band`).first().boundingBox();
    expect(band!.width).toBeGreaterThan(1);
    // the split's probes as a histogram, in the block of its route
    const api = page.locator('#latency .chart-block[data-route="fx/t/backend/route:api"]');
    expect(await api.locator('figure').first().locator('figcaption').textContent()).toMatch(/^split: \d+ probes/);
    const bars = await api.locator('figure').first().locator('.bar').count();
    expect(bars).toBe(split.assertions.find((a) => a.evidence.latencyHistogramMs)!.evidence.latencyHistogramMs!.counts.length);
    // the timeout's 504s are on the beta route's block
    expect(await page.locator('#latency .chart-block[data-route="fx/t/backend/route:beta"] figcaption', { hasText: 'timeout:' }).count()).toBe(1);
  });

  it('draws the retry attempts and the authorization matrix as a grid', async () => {
    const { page } = opened;
    expect(await page.locator('#retries figure').count()).toBeGreaterThan(0);
    const authz = report.checks.find((c) => c.kind === 'authorization')!;
    expect(authz.assertions.length).toBeGreaterThan(3);
    const cells = await page.locator('#authz td.cell').count();
    expect(cells).toBeGreaterThanOrEqual(authz.assertions.length);
    expect(await page.locator('#authz td.cell.failed').count()).toBe(report.checks.filter((c) => c.kind === 'authorization' || c.kind === 'jwt').flatMap((c) => c.assertions).filter((a) => a.status === 'failed').length);
  });

  it('logs no console error', () => {
    expect(opened.errors).toEqual([]);
  });
});
