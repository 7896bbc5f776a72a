import type { Slo } from '../../model/observability';
import type { Service } from '../../model/service';
import { BURN_RATE_ALERTS, WINDOWS, errorBudget, threshold, type Window } from './burn-rates';
import { promqlString, type MetricDialect } from './dialect';

/** A Prometheus rule, as `PrometheusRule.spec.groups[].rules[]` holds it. */
export type Rule =
  | { record: string; expr: string; labels: Record<string, string> }
  | { alert: string; expr: string; labels: Record<string, string>; annotations: Record<string, string> };

export interface RuleGroup {
  name: string;
  rules: Rule[];
}

/** Recorded names follow Prometheus's `level:metric:operations` convention. */
export const REQUESTS_RECORD = 'weft_service:requests:rate5m';
export const SERVER_ERROR_RATIO_RECORD = 'weft_service:server_error_ratio:rate5m';
export function errorRatioRecord(window: Window): string {
  return `weft_slo:error_ratio:rate${window}`;
}
export const BURN_ALERT = 'WeftSloErrorBudgetBurn';

/** The labels every series of one service's rules carries. */
function serviceLabels(service: Service): Record<string, string> {
  return { namespace: service.namespace, service: service.name };
}

/** A PromQL label matcher; values escaped as PromQL string literals (backslash, double quote). */
function matcher(labels: Record<string, string>): string {
  return `{${Object.entries(labels).map(([k, v]) => `${k}="${promqlString(v)}"`).join(',')}}`;
}

/**
 * The share of "bad" requests of one SLO over `window`:
 * - availability: 5xx answers over all answers;
 * - latency: requests slower than the threshold, i.e. 1 − (requests in the bucket `le` =
 *   threshold) / (all timed requests).
 * The caller has checked that a latency threshold is a bucket boundary (WEFT780).
 */
export function errorRatioExpr(dialect: MetricDialect, service: Service, slo: Slo, window: string): string {
  if (slo.objective.kind === 'availability') return `${dialect.serverErrors(service, window)} / ${dialect.requests(service, window)}`;
  return `1 - (${dialect.fasterThan(service, slo.objective.thresholdMs, window)} / ${dialect.timed(service, window)})`;
}

/**
 * One service's rule group: its request rate and 5xx ratio (for dashboards and for checking
 * the data plane), then, per SLO, the error ratio over every alert window and the four
 * multi-window burn-rate alerts. Recording rules come before the alerts that read them: rules of
 * a group run in order, so an alert sees this evaluation's values.
 * @see https://prometheus.io/docs/prometheus/latest/configuration/recording_rules/
 */
export function sloRuleGroup(dialect: MetricDialect, service: Service, slos: readonly Slo[]): RuleGroup {
  const base = serviceLabels(service);
  const rules: Rule[] = [
    { record: REQUESTS_RECORD, expr: dialect.requests(service, '5m'), labels: base },
    { record: SERVER_ERROR_RATIO_RECORD, expr: `${dialect.serverErrors(service, '5m')} / ${dialect.requests(service, '5m')}`, labels: base },
  ];
  for (const slo of slos) {
    const labels = { ...base, slo: slo.name };
    for (const window of WINDOWS) rules.push({ record: errorRatioRecord(window), expr: errorRatioExpr(dialect, service, slo, window), labels });
    const budget = errorBudget(slo.objective.targetPercent);
    for (const a of BURN_RATE_ALERTS) {
      const t = threshold(a.factor, budget);
      rules.push({
        alert: BURN_ALERT,
        expr: `${errorRatioRecord(a.longWindow)}${matcher(labels)} > ${t}\nand\n${errorRatioRecord(a.shortWindow)}${matcher(labels)} > ${t}`,
        labels: { severity: a.severity, slo: slo.name, burn_rate: String(a.factor), long_window: a.longWindow, short_window: a.shortWindow },
        annotations: {
          summary: `${service.namespace}/${service.name}: SLO "${slo.name}" is burning its error budget ${a.factor}x too fast`,
          description:
            `${describe(slo)} over ${slo.windowDays} days allows an error ratio of ${budget}. ` +
            `Over the last ${a.longWindow} and ${a.shortWindow} it was above ${t} (${a.factor}x the budget).`,
        },
      });
    }
  }
  return { name: `weft.slo.${service.namespace}.${service.name}`, rules };
}

function describe(slo: Slo): string {
  return slo.objective.kind === 'availability'
    ? `Availability objective ${slo.objective.targetPercent}% (non-5xx answers)`
    : `Latency objective ${slo.objective.targetPercent}% of requests within ${slo.objective.thresholdMs} ms`;
}
