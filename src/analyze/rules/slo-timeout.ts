import type { Rule } from '../rule';
import { humanMillis } from '../helpers/format';
import { isCatchAllRoute } from '../../model/match';

/**
 * A latency SLO whose threshold is at or above every timeout the service's requests run under.
 * The mesh cuts each request off at its timeout, so every request finishes (or fails with 504)
 * within the threshold: the latency objective can never be violated, and its burn-rate alerts
 * never fire. Timeouts considered: each route's effective timeout, plus the service default when
 * some request reaches no route (no routes, or no catch-all). With any path left without a
 * timeout the SLO is meaningful and nothing is reported.
 */
export const sloTimeout: Rule = {
  id: 'slo-timeout',
  codes: { WEFT206: { severity: 'warning', title: 'latency SLO threshold not below the timeout' } },
  check(ctx) {
    for (const s of ctx.model.services) {
      const timeouts = s.routes.map((r) => r.timeoutMs ?? s.resilience.timeoutMs);
      if (!s.routes.some(isCatchAllRoute)) timeouts.push(s.resilience.timeoutMs);
      if (timeouts.some((t) => t === undefined)) continue;
      const max = Math.max(...(timeouts as number[]));
      for (const slo of s.observability.slos) {
        if (slo.objective.kind !== 'latency' || slo.objective.thresholdMs < max) continue;
        ctx.report(
          'WEFT206',
          slo,
          `latency SLO "${slo.name}" of service "${s.name}" counts requests slower than ${humanMillis(slo.objective.thresholdMs)}, but every request to "${s.name}" times out after at most ${humanMillis(max)}, so the objective can never be missed`,
          `set the threshold below the timeout (e.g. the latency users should see), or track timed-out requests with an availability SLO`,
        );
      }
    }
  },
};
