import type { Route } from '../../model/traffic';
import type { Rule } from '../rule';
import { quotedList } from '../helpers/format';

/**
 * A route or mirror destination naming a version (subset) the service does not declare. Istio
 * answers such requests with 503 (no healthy upstream: the subset has no endpoints), Consul
 * rejects the ServiceResolver, the Weft proxy has no cluster for it.
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#Subset
 */
export const unknownVersion: Rule = {
  id: 'unknown-version',
  codes: { WEFT104: { severity: 'error', title: 'unknown version' } },
  check(ctx) {
    const checkRoute = (route: Route) => {
      const targets =
        route.action.kind === 'forward' ? route.action.destinations.map((d) => ({ ...d, verb: `sends ${d.weight}% to` })) : [];
      if (route.mirror) targets.push({ ...route.mirror.destination, weight: route.mirror.percent, verb: `mirrors ${route.mirror.percent}% to` });
      for (const t of targets) {
        if (t.version === undefined) continue;
        const service = ctx.index.service(t.service);
        if (!service) continue; // WEFT101 reports it
        if (service.versions.some((v) => v.name === t.version)) continue;
        const declared = service.versions.map((v) => v.name);
        ctx.report(
          'WEFT104',
          route,
          `route "${route.name}" ${t.verb} version "${t.version}", which service "${service.name}" does not declare`,
          declared.length
            ? `route to one of ${quotedList(declared)}, or add "${t.version}" to the versions of "${service.name}"`
            : `add "${t.version}" to the versions of "${service.name}"`,
        );
      }
    };
    for (const s of ctx.model.services) s.routes.forEach(checkRoute);
    for (const g of ctx.model.gateways) g.routes.forEach(checkRoute);
  },
};
