/**
 * A ratio circuit breaker with half-open probing (Hystrix / resilience4j semantics), which
 * Envoy's consecutive-error outlier detection does not offer:
 * - closed: outcomes are kept for `windowMs`; once the window holds at least `minRequests`
 *   outcomes and failures / requests exceeds `failureRatioPercent`, the breaker opens;
 * - open: every request is refused (503, flag UO) for `openMs`;
 * - half-open: `halfOpenProbes` requests are let through, the rest refused; when all probes
 *   succeed the breaker closes (with an empty window), the first failed probe re-opens it.
 * @see https://resilience4j.readme.io/docs/circuitbreaker
 */
import type { RatioBreakerConfig } from '../config/degradation-schema';
import { monotonicMs } from '../clock';

export type BreakerState = 'closed' | 'open' | 'half-open';
export const BREAKER_STATES: readonly BreakerState[] = ['closed', 'open', 'half-open'];

/** What `admit` hands out: a ticket to report the outcome with, or null (refused). */
export interface BreakerTicket {
  readonly probe: boolean;
}

export class RatioBreaker {
  state: BreakerState = 'closed';
  /** Transitions into each state, for the metrics. */
  readonly transitions: Record<BreakerState, number> = { closed: 0, open: 0, 'half-open': 0 };
  /** Outcome times (ms) in the window; failures kept apart so the ratio is two lengths. */
  private readonly outcomes: number[] = [];
  private readonly failures: number[] = [];
  private openedAt = 0;
  private probesIssued = 0;
  private probesSucceeded = 0;

  constructor(
    private readonly config: RatioBreakerConfig,
    private readonly clock: () => number = monotonicMs,
  ) {}

  /** Lets a request through (returns its ticket) or refuses it (null). */
  admit(): BreakerTicket | null {
    if (this.state === 'open') {
      if (this.clock() - this.openedAt < this.config.openMs) return null;
      this.enter('half-open');
    }
    if (this.state === 'half-open') {
      if (this.probesIssued >= this.config.halfOpenProbes) return null;
      this.probesIssued++;
      return { probe: true };
    }
    return { probe: false };
  }

  report(ticket: BreakerTicket, failed: boolean): void {
    if (ticket.probe) {
      if (this.state !== 'half-open') return;
      if (failed) return this.open();
      if (++this.probesSucceeded >= this.config.halfOpenProbes) this.enter('closed');
      return;
    }
    if (this.state !== 'closed') return;
    const now = this.clock();
    this.outcomes.push(now);
    if (failed) this.failures.push(now);
    const since = now - this.config.windowMs;
    while (this.outcomes.length > 0 && this.outcomes[0]! <= since) this.outcomes.shift();
    while (this.failures.length > 0 && this.failures[0]! <= since) this.failures.shift();
    const n = this.outcomes.length;
    if (n >= this.config.minRequests && (this.failures.length * 100) / n > this.config.failureRatioPercent) this.open();
  }

  private open(): void {
    this.openedAt = this.clock();
    this.enter('open');
  }

  private enter(state: BreakerState): void {
    this.state = state;
    this.transitions[state]++;
    this.probesIssued = 0;
    this.probesSucceeded = 0;
    if (state === 'closed') {
      this.outcomes.length = 0;
      this.failures.length = 0;
    }
  }
}
