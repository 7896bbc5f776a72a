import type { Route } from '../../model/traffic';
import type { Rule } from '../rule';

/**
 * The destinations of a forwarding route must split 100% of its traffic. Istio rejects a
 * VirtualService whose weights do not sum to 100; Consul's ServiceSplitter requires the same.
 * Constructs give unweighted destinations an even split, so this catches explicit weights
 * (`version('v1').weight(20)`) that leave a remainder, and one weighted destination next to
 * unweighted ones (which get 0).
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRouteDestination
 * @see https://developer.hashicorp.com/consul/docs/connect/config-entries/service-splitter
 */
export const routeWeights: Rule = {
  id: 'route-weights',
  codes: { WEFT120: { severity: 'error', title: 'route weights do not sum to 100' } },
  check(ctx) {
    const checkRoute = (route: Route) => {
      if (route.action.kind !== 'forward') return;
      const weights = route.action.destinations.map((d) => d.weight);
      const sum = weights.reduce((a, b) => a + b, 0);
      if (sum === 100) return;
      const parts = route.action.destinations.map((d) => `${d.service.name}${d.version ? `:${d.version}` : ''} ${d.weight}%`).join(', ');
      ctx.report(
        'WEFT120',
        route,
        `the weights of route "${route.name}" sum to ${sum}%, not 100% (${parts})`,
        sum < 100
          ? `give the destinations weights that add up to 100, e.g. raise one by ${100 - sum}; a destination without .weight(n) gets 0 when others have one`
          : `lower the weights by ${sum - 100} in total so that they add up to 100`,
      );
    };
    for (const s of ctx.model.services) s.routes.forEach(checkRoute);
    for (const g of ctx.model.gateways) g.routes.forEach(checkRoute);
  },
};
