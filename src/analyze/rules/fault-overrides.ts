import type { Rule } from '../rule';
import { effectiveResilienceOf, effectiveResilienceOfGatewayRoute } from '../helpers/resilience';

/**
 * Fault injection on a route that also has retries or a timeout. Istio does not enable timeouts or
 * retries on a route with client-side fault injection, so the declared resilience silently does
 * nothing while the fault is in place (and the verifier would measure the fault, not the retries).
 * Checked on the effective values: a service-level fault applies to routes that declare retries,
 * and the other way round.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPFaultInjection
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRoute (fault)
 */
export const faultOverrides: Rule = {
  id: 'fault-overrides',
  codes: { WEFT203: { severity: 'warning', title: 'fault injection disables retries and timeout' } },
  check(ctx) {
    const all = [
      ...ctx.model.services.flatMap(effectiveResilienceOf),
      ...ctx.model.gateways.flatMap((g) => g.routes.map((r) => effectiveResilienceOfGatewayRoute(g.name, r))),
    ];
    for (const e of all) {
      if (!e.fault) continue;
      const ignored = [
        ...(e.retries && e.retries.attempts > 0 ? [`retries (${e.retries.attempts})`] : []),
        ...(e.timeoutMs !== undefined ? ['timeout'] : []),
      ];
      if (ignored.length === 0) continue;
      ctx.report(
        'WEFT203',
        e.at,
        `${e.what} injects a fault and also declares ${ignored.join(' and ')}; Istio ignores retries and timeouts on a route with fault injection (https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPFaultInjection)`,
        'inject the fault on a separate route (e.g. one matching a test header), or remove the retries and timeout while the fault is in place',
      );
    }
  },
};
