/**
 * The report page in headless Chromium (Debian `chromium`, playwright-core): the counts, the
 * charts and the tables a user sees, the pass/fail filter, no console error, no network request.
 * Rendered from a fixture shaped by src/verify/report.ts (the verifier's JSON contract).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReportHtml } from '../../src/report/index';
import { launch, openFile, type OpenedPage } from '../graph/browser';
import { FIXTURE_REPORT } from './fixture';

const dir = mkdtempSync(join(tmpdir(), 'weft-report-page-'));
let chromium: Awaited<ReturnType<typeof launch>>;
let opened: OpenedPage;

beforeAll(async () => {
  const file = join(dir, 'report.html');
  writeFileSync(file, renderReportHtml(FIXTURE_REPORT));
  chromium = await launch();
  opened = await openFile(chromium.browser, file, { width: 1280, height: 900 });
}, 120_000);

afterAll(async () => {
  await opened?.close();
  await chromium?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('report page in headless Chromium', () => {
  it('shows the pass/fail counts and the verdict', async () => {
    const { page } = opened;
    const count = async (k: string) => (await page.locator(`#summary .card[data-count="${k}"] .value`).textContent())!.trim();
    expect(await count('passed')).toBe('7');
    expect(await count('failed')).toBe('1');
    expect(await count('skipped')).toBe('1');
    expect(await count('not-verified')).toBe('1');
    expect(await page.locator('#verdict').textContent()).toBe('1 check failed');
  });

  it('draws the split proportions, latency, retries and authorization matrix', async () => {
    const { page } = opened;
    expect(await page.locator('#proportions g.proportion').count()).toBe(5);
    expect(await page.locator('#proportions g.proportion.fail').count()).toBe(2);
    const band = await page.locator('#proportions g.proportion[data-outcome="version v1"] rect.band').first().boundingBox();
    expect(band!.width).toBeGreaterThan(5);
    expect(await page.locator('#latency figure').count()).toBe(3);
    expect(await page.locator('#latency .bar').count()).toBe(7); // the histogram of the fault delay
    expect(await page.locator('#retries figure').count()).toBe(3);
    expect(await page.locator('#retries .bar').count()).toBe(5);
    expect(await page.locator('#authz td.cell').count()).toBe(7);
    expect(await page.locator('#authz td.cell.passed').count()).toBe(7);
  });

  it('lists checks with their declaration and filters them by status', async () => {
    const { page } = opened;
    expect(await page.locator('tbody.check').count()).toBe(9);
    expect(await page.locator('tbody.check.failed details[open]').count()).toBe(1);
    expect(await page.locator('tbody.check.failed').textContent()).toContain('shop/commerce/order-service/route:api');
    await page.click('.filters button[data-filter="failed"]');
    expect(await page.locator('tbody.check:visible').count()).toBe(1);
    await page.click('.filters button[data-filter="passed"]');
    expect(await page.locator('tbody.check:visible').count()).toBe(7);
    await page.click('.filters button[data-filter="all"]');
    expect(await page.locator('tbody.check:visible').count()).toBe(9);
  });

  it('logs no console error and makes no network request', async () => {
    // WEFT_UPDATE_SCREENSHOTS=1 refreshes the picture docs/observability.md shows.
    const shot = await opened.page.screenshot({ fullPage: true, path: process.env.WEFT_UPDATE_SCREENSHOTS ? resolve(__dirname, '../../docs/report.png') : join(dir, 'report.png') });
    expect(shot.length).toBeGreaterThan(10_000);
    expect(opened.errors).toEqual([]);
  });
});
