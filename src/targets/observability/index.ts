import type { Target } from '../target';
import { OBSERVABILITY_CODES } from './codes';
import { emitObservability } from './emit';

export { OBSERVABILITY_CODES } from './codes';
export { DURATION_BUCKETS_MS } from './buckets';
export { BURN_RATE_ALERTS, WINDOWS } from './burn-rates';
export { BURN_ALERT, REQUESTS_RECORD, SERVER_ERROR_RATIO_RECORD, errorRatioRecord } from './slo-rules';

/**
 * The `observability` target, for every environment: PodMonitors for the sidecars' /metrics,
 * PrometheusRules with SLO recording rules and multi-window burn-rate alerts, and Grafana
 * dashboards in ConfigMaps. docs/observability.md describes what is written and why.
 */
export const observabilityTarget: Target = {
  name: 'observability',
  codes: OBSERVABILITY_CODES,
  appliesTo: () => true,
  emit: emitObservability,
};
