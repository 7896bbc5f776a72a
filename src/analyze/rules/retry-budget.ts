import type { Rule } from '../rule';
import { effectiveResilienceOf, effectiveResilienceOfGatewayRoute, type EffectiveResilience } from '../helpers/resilience';
import { humanMillis } from '../helpers/format';

/**
 * Retries that cannot fit in the overall timeout. Istio's route `timeout` bounds the whole request,
 * retries included; each try is bounded by `perTryTimeout`. With `attempts` retries after the
 * first try, the tries need up to (attempts + 1) × perTryTimeout:
 * - WEFT202: a per-try timeout at or above the timeout, so the first slow try uses up the whole
 *   budget and no retry after a timeout can ever run;
 * - WEFT201: otherwise, (attempts + 1) × perTryTimeout above the timeout, so the last tries can
 *   never run after slow ones.
 * Checked for the service default and for every route that overrides a value (the route's own
 * value, else the service's), on the effective pair.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRetry
 * @see https://istio.io/latest/docs/concepts/traffic-management/#retries
 */
export const retryBudget: Rule = {
  id: 'retry-budget',
  codes: {
    WEFT201: { severity: 'warning', title: 'retries exceed the timeout' },
    WEFT202: { severity: 'warning', title: 'per-try timeout not below the timeout' },
  },
  check(ctx) {
    const all: EffectiveResilience[] = [
      ...ctx.model.services.flatMap(effectiveResilienceOf),
      ...ctx.model.gateways.flatMap((g) => g.routes.map((r) => effectiveResilienceOfGatewayRoute(g.name, r))),
    ];
    for (const e of all) {
      const { timeoutMs, retries } = e;
      if (timeoutMs === undefined || !retries || retries.attempts === 0 || retries.perTryTimeoutMs === undefined) continue;
      const perTry = retries.perTryTimeoutMs;
      if (perTry >= timeoutMs) {
        ctx.report(
          'WEFT202',
          e.at,
          `${e.what} has a per-try timeout of ${humanMillis(perTry)}, not below its timeout of ${humanMillis(timeoutMs)}: a try that times out uses the whole budget, so none of the ${retries.attempts} retries can run after it`,
          `make perTryTimeout a fraction of the timeout, at most ${humanMillis(Math.floor(timeoutMs / (retries.attempts + 1)))} for ${retries.attempts + 1} tries`,
        );
        continue;
      }
      const tries = retries.attempts + 1;
      const needed = tries * perTry;
      if (needed <= timeoutMs) continue;
      const fit = Math.floor(timeoutMs / perTry);
      ctx.report(
        'WEFT201',
        e.at,
        `${e.what} allows ${tries} tries of up to ${humanMillis(perTry)} (${humanMillis(needed)} in all) within a timeout of ${humanMillis(timeoutMs)}: only ${fit} slow tries fit, so the last ${tries - fit} can never run`,
        `raise the timeout to at least ${humanMillis(needed)}, lower perTryTimeout to ${humanMillis(Math.floor(timeoutMs / tries))}, or retry ${fit - 1} time${fit - 1 === 1 ? '' : 's'}`,
      );
    }
  },
};
