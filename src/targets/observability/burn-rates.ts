/**
 * Multi-window, multi-burn-rate alerts, the SRE workbook's recommended parameters for a 30-day
 * SLO: each alert fires when both its long and its short window burn the error budget at least
 * `factor` times faster than the rate that would spend it exactly over the SLO window. The long
 * window makes the alert significant (2%, 5%, 10% of the budget spent), the short one makes it
 * reset quickly once the burning stops.
 * @see https://sre.google/workbook/alerting-on-slos/#6-multiwindow-multi-burn-rate-alerts
 */
export interface BurnRateAlert {
  /** Budget consumption rate, as a multiple of the sustainable rate. */
  readonly factor: number;
  readonly longWindow: Window;
  readonly shortWindow: Window;
  /** `page` wakes someone up; `ticket` is handled in working hours. */
  readonly severity: 'page' | 'ticket';
}

/** A Prometheus range duration. */
export type Window = '5m' | '30m' | '1h' | '2h' | '6h' | '1d' | '3d';

export const BURN_RATE_ALERTS: readonly BurnRateAlert[] = [
  { factor: 14.4, longWindow: '1h', shortWindow: '5m', severity: 'page' },
  { factor: 6, longWindow: '6h', shortWindow: '30m', severity: 'page' },
  { factor: 3, longWindow: '1d', shortWindow: '2h', severity: 'ticket' },
  { factor: 1, longWindow: '3d', shortWindow: '6h', severity: 'ticket' },
];

/** Every window a recording rule is needed for, shortest first. */
export const WINDOWS: readonly Window[] = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'];

/** The longest alert window, in days (the 1× ticket looks back 3 days). */
export const LONGEST_WINDOW_DAYS = 3;

/**
 * The error budget of an objective as a ratio, rounded to 12 significant digits so that
 * `100 - 99.9` prints as 0.001, not 0.0010000000000000009.
 */
export function errorBudget(targetPercent: number): number {
  return Number(((100 - targetPercent) / 100).toPrecision(12));
}

/** `factor × budget`, printed as the shortest exact-enough decimal. */
export function threshold(factor: number, budget: number): number {
  return Number((factor * budget).toPrecision(12));
}
