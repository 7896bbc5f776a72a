/**
 * The HTML graph page in headless Chromium (Debian `chromium`, driven by playwright-core): what a
 * user sees, hover, filter and zoom, without console errors or network requests. The test also
 * refreshes the screenshot in docs/ that docs/observability.md shows.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drawGraph } from '../../src/graph/index';
import { launch, type OpenedPage } from './browser';
import { openFile } from './browser';
import { exampleModel } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'weft-graph-page-'));
let chromium: Awaited<ReturnType<typeof launch>>;
let opened: OpenedPage;

beforeAll(async () => {
  const file = join(dir, 'graph.html');
  writeFileSync(file, await drawGraph(await exampleModel('prod'), 'html'));
  chromium = await launch();
  opened = await openFile(chromium.browser, file, { width: 1600, height: 660 });
}, 120_000);

afterAll(async () => {
  await opened?.close();
  await chromium?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('graph page in headless Chromium', () => {
  it('shows every service, a gateway, an external service and the route weights', async () => {
    const { page } = opened;
    const labels = await page.locator('.node .node-label').allTextContents();
    expect(labels).toEqual(expect.arrayContaining(['springboot-app', 'springboot-app v1', 'springboot-app v2', 'public', 'payments-api', 'order-service']));
    expect(await page.locator('.node').count()).toBe(23);
    const edgeLabels = (await page.locator('.edge-label').allTextContents()).join('\n');
    expect(edgeLabels).toContain('canary 20%');
    expect(edgeLabels).toContain('jason · canary 80%');
    expect(edgeLabels).toContain('timeout 2s · retries 3× · breaker');
    // Laid out: the nodes have real, distinct positions on the page.
    const a = await page.locator('.node[data-id="gateway:istio-system/public"] rect').boundingBox();
    const b = await page.locator('.node[data-id="service:storefront/springboot-app"] rect').boundingBox();
    expect(a!.width).toBeGreaterThan(10);
    expect(b!.x).toBeGreaterThan(a!.x);
  });

  it('shows details on hover', async () => {
    const { page } = opened;
    await page.locator('.node[data-id="service:storefront/springboot-app"]').hover();
    const tip = page.locator('#tooltip');
    expect(await tip.isVisible()).toBe(true);
    const text = await tip.textContent();
    expect(text).toContain('service storefront/springboot-app');
    expect(text).toContain('SLO availability: 99.9% non-5xx over 28d');
    // The node's edges are highlighted with it.
    expect(await page.locator('.edge.highlight').count()).toBeGreaterThanOrEqual(3);
  });

  it('filters by team', async () => {
    const { page } = opened;
    await page.selectOption('#team-filter', 'commerce');
    expect(await page.locator('.node.dimmed[data-team="storefront"]').count()).toBe(9);
    expect(await page.locator('.node.dimmed[data-team="commerce"]').count()).toBe(0);
    expect(await page.locator('#count').textContent()).toContain('in team commerce');
    await page.selectOption('#team-filter', '');
    expect(await page.locator('.node.dimmed').count()).toBe(0);
  });

  it('zooms with the buttons and the wheel, and fits back', async () => {
    const { page } = opened;
    const box = () => page.locator('#weft-graph').getAttribute('viewBox');
    const initial = await box();
    await page.click('#zoom-in');
    const zoomed = (await box())!.split(' ').map(Number);
    expect(zoomed[2]).toBeLessThan(Number(initial!.split(' ')[2]));
    await page.mouse.move(800, 500);
    await page.mouse.wheel(0, 300);
    expect((await box())!.split(' ').map(Number)[2]).toBeGreaterThan(zoomed[2]!);
    await page.click('#zoom-fit');
    expect(await box()).toBe(initial);
  });

  it('logs no console error and makes no network request', async () => {
    // WEFT_UPDATE_SCREENSHOTS=1 refreshes the picture docs/observability.md shows.
    const shot = await opened.page.screenshot({ path: process.env.WEFT_UPDATE_SCREENSHOTS ? resolve(__dirname, '../../docs/graph.png') : join(dir, 'graph.png') });
    expect(shot.length).toBeGreaterThan(10_000);
    expect(opened.errors).toEqual([]);
  });
});
