import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main';
import { parseReport, renderReportHtml, ReportFormatError } from '../../src/report/index';
import { FIXTURE_REPORT } from './fixture';

const dir = mkdtempSync(join(tmpdir(), 'weft-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('report page', () => {
  const html = renderReportHtml(FIXTURE_REPORT);

  it('is one self-contained page: no external script, style, image or font', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<(script|link|img|iframe)[^>]+(src|href)=/i);
    expect(html).not.toMatch(/url\(/);
  });

  it('draws each proportion with its interval, observed share and declared share', () => {
    // v1 of the canary: interval [18.24%, 23.97%] on a 0..100% axis from x=150 to x=510.
    expect(html).toContain('data-outcome="version v1"');
    expect(html).toContain('<rect x="215.7" y="12" width="20.6" height="16" rx="3" class="band"/>');
    expect(html).toContain('<line x1="222" y1="8" x2="222" y2="32" class="declared"/>');
    expect(html).toContain('[18.2%, 24.0%]');
  });

  it('lists every check with its declaration and evidence, failed first', () => {
    const ids = [...html.matchAll(/<tbody class="check (\w+)" data-status="\w+" data-id="([^"]+)"/g)].map((m) => [m[1], m[2]]);
    expect(ids).toHaveLength(FIXTURE_REPORT.checks.length);
    expect(ids[0]).toEqual(['failed', 'split:shop/commerce/order-service/route:api']);
    expect(html).toContain('mesh.config.ts:151:1');
    expect(html).toContain('request ids req-000311 req-000312');
  });

  it('renders the authorization matrix with one column per service', () => {
    const matrix = html.slice(html.indexOf('<table class="matrix">'), html.indexOf('</table>', html.indexOf('<table class="matrix">')));
    expect([...matrix.matchAll(/<th>([^<]+)<\/th>/g)].map((m) => m[1])).toEqual(['commerce/order-service', 'commerce/trade-service', 'storefront/springboot-app']);
    expect(matrix).toContain('<th class="row">golang-app-gateway GET /orders</th>');
  });

  it('is deterministic', () => {
    expect(renderReportHtml(structuredClone(FIXTURE_REPORT))).toBe(html);
  });

  it('escapes text from the report', () => {
    const evil = structuredClone(FIXTURE_REPORT);
    evil.checks[0]!.title = '<img src=x onerror=alert(1)>';
    expect(renderReportHtml(evil)).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('refuses a file that is not a verify report, naming what is wrong', () => {
    expect(() => parseReport('{', 'r.json')).toThrow(ReportFormatError);
    expect(() => parseReport(JSON.stringify({ schemaVersion: 2 }), 'r.json')).toThrow('this weft renders schemaVersion 1');
    expect(() => parseReport(JSON.stringify({ ...FIXTURE_REPORT, checks: undefined }), 'r.json')).toThrow('"checks" is missing');
  });

  it('`weft report F.json --html OUT` writes the page; a wrong file exits 1, wrong usage 2', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const json = join(dir, 'report.json');
      const out = join(dir, 'report.html');
      writeFileSync(json, JSON.stringify(FIXTURE_REPORT));
      expect(await main(['report', json, '--html', out])).toBe(0);
      expect(readFileSync(out, 'utf8')).toBe(html);
      writeFileSync(join(dir, 'bad.json'), '{"hello": 1}');
      expect(await main(['report', join(dir, 'bad.json'), '--html', out])).toBe(1);
      expect(await main(['report', json])).toBe(2);
    } finally {
      stderr.mockRestore();
    }
  });
});
