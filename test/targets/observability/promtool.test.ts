/**
 * The emitted rules checked by Prometheus's own tools (Debian package `prometheus`):
 * `promtool check rules` on every environment's PrometheusRules, and `promtool test rules` with
 * synthetic series showing each burn-rate alert firing just above its threshold and staying
 * silent just below it.
 * @see https://prometheus.io/docs/prometheus/latest/configuration/unit_testing_rules/
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { BURN_RATE_ALERTS, BURN_ALERT } from '../../../src/targets/observability/index';
import type { Manifest } from '../../../src/targets/target';
import { emit, sloMesh } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'weft-promtool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function ruleFile(name: string, manifests: Manifest[]): string {
  const groups = manifests.filter((m) => m.kind === 'PrometheusRule').flatMap((m) => (m.spec as { groups: unknown[] }).groups);
  const path = join(dir, `${name}.rules.yaml`);
  writeFileSync(path, stringify({ groups }));
  return path;
}

function promtool(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync('promtool', args, { encoding: 'utf8', timeout: 240_000 });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

const LABELS = 'reporter="destination",destination_service_namespace="storefront",destination_service_name="app"';
/** Requests per minute in the synthetic series; large, so that ratios have many digits. */
const PER_MINUTE = 100_000;
/** Minutes of series: enough for the 6 h short window of the slowest alert plus the evaluation. */
const MINUTES = 400;
const EVAL = '6h30m';

interface AlertRule {
  alert?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** Series with a constant error ratio `ratio` on every window (so both windows of each alert see it). */
function availabilitySeries(ratio: number) {
  const bad = PER_MINUTE * ratio;
  return [
    { series: `istio_requests_total{${LABELS},response_code="200"}`, values: `0+${PER_MINUTE - bad}x${MINUTES}` },
    { series: `istio_requests_total{${LABELS},response_code="503"}`, values: `0+${bad}x${MINUTES}` },
  ];
}

/** Series where a share `ratio` of requests is slower than the 250 ms threshold. */
function latencySeries(ratio: number) {
  const fast = PER_MINUTE * (1 - ratio);
  return [
    { series: `istio_request_duration_milliseconds_bucket{${LABELS},response_code="200",le="250"}`, values: `0+${fast}x${MINUTES}` },
    { series: `istio_request_duration_milliseconds_bucket{${LABELS},response_code="200",le="+Inf"}`, values: `0+${PER_MINUTE}x${MINUTES}` },
    { series: `istio_request_duration_milliseconds_count{${LABELS},response_code="200"}`, values: `0+${PER_MINUTE}x${MINUTES}` },
  ];
}

describe('promtool', () => {
  it('`promtool check rules` accepts the rules of every environment (Istio, Weft, Consul metric names)', () => {
    for (const env of ['dev', 'staging', 'prod']) {
      const path = ruleFile(`check-${env}`, emit(sloMesh(), env).manifests);
      const r = promtool('check', 'rules', path);
      expect(r.out).toContain('SUCCESS');
      expect(r.status, r.out).toBe(0);
    }
  });

  it('`promtool check rules` rejects a broken expression (the check is live)', () => {
    const path = join(dir, 'broken.rules.yaml');
    writeFileSync(path, stringify({ groups: [{ name: 'g', rules: [{ record: 'x:y:z', expr: 'sum(rate(foo[5m])' }] }] }));
    expect(promtool('check', 'rules', path).status).not.toBe(0);
  });

  it('`promtool test rules`: each burn-rate alert fires just above its threshold and not just below it', () => {
    const { manifests } = emit(sloMesh(), 'prod');
    const rulesPath = ruleFile('unit', manifests);
    const alerts = manifests.filter((m) => m.kind === 'PrometheusRule').flatMap((m) => (m.spec as { groups: { rules: AlertRule[] }[] }).groups.flatMap((g) => g.rules)).filter((r) => r.alert === BURN_ALERT);
    const budgets: Record<string, number> = { availability: 0.001, latency: 0.01 };
    const tests: unknown[] = [];
    for (const slo of ['availability', 'latency']) {
      const series = slo === 'availability' ? availabilitySeries : latencySeries;
      for (const a of BURN_RATE_ALERTS) {
        // The ratio a little above and a little below this alert's threshold; every alert with a
        // smaller factor fires as well, every alert with a larger one stays silent.
        for (const side of [1.02, 0.98]) {
          const ratio = a.factor * budgets[slo]! * side;
          const firing = alerts.filter((r) => r.labels.slo === slo && (Number(r.labels.burn_rate) < a.factor || (Number(r.labels.burn_rate) === a.factor && side > 1)));
          tests.push({
            name: `${slo} ${a.factor}x at ${side} of the threshold`,
            interval: '1m',
            input_series: series(ratio),
            alert_rule_test: [
              {
                eval_time: EVAL,
                alertname: BURN_ALERT,
                exp_alerts: firing.map((r) => ({
                  exp_labels: { ...r.labels, alertname: BURN_ALERT, namespace: 'storefront', service: 'app' },
                  exp_annotations: r.annotations,
                })),
              },
            ],
          });
        }
      }
    }
    const testPath = join(dir, 'unit.test.yaml');
    writeFileSync(testPath, stringify({ rule_files: [rulesPath], evaluation_interval: '1m', tests }));
    const r = promtool('test', 'rules', testPath);
    expect(r.out).toContain('SUCCESS');
    expect(r.status, r.out).toBe(0);
  }, 300_000);

  it('`promtool test rules` fails when an expected alert is not firing (the unit test is live)', () => {
    const { manifests } = emit(sloMesh(), 'prod');
    const rulesPath = ruleFile('unit-neg', manifests);
    const testPath = join(dir, 'unit-neg.test.yaml');
    // Healthy traffic, but the test claims the page alert fires.
    writeFileSync(
      testPath,
      stringify({
        rule_files: [rulesPath],
        evaluation_interval: '1m',
        tests: [{ interval: '1m', input_series: availabilitySeries(0), alert_rule_test: [{ eval_time: '2h', alertname: BURN_ALERT, exp_alerts: [{ exp_labels: { severity: 'page' } }] }] }],
      }),
    );
    expect(promtool('test', 'rules', testPath).status).not.toBe(0);
  });

  it('the recording rules give the request rate and error ratio of the series', () => {
    const { manifests } = emit(sloMesh(), 'prod');
    const rulesPath = ruleFile('records', manifests);
    const testPath = join(dir, 'records.test.yaml');
    writeFileSync(
      testPath,
      stringify({
        rule_files: [rulesPath],
        evaluation_interval: '1m',
        tests: [
          {
            interval: '1m',
            input_series: availabilitySeries(0.05),
            promql_expr_test: [
              { expr: 'weft_service:requests:rate5m', eval_time: '1h', exp_samples: [{ labels: 'weft_service:requests:rate5m{namespace="storefront",service="app"}', value: PER_MINUTE / 60 }] },
              { expr: 'weft_slo:error_ratio:rate1h{slo="availability"}', eval_time: '2h', exp_samples: [{ labels: 'weft_slo:error_ratio:rate1h{namespace="storefront",service="app",slo="availability"}', value: 0.05 }] },
            ],
          },
        ],
      }),
    );
    const r = promtool('test', 'rules', testPath);
    expect(r.status, r.out).toBe(0);
  });
});

