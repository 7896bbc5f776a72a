import { serviceKey } from '../../model/common';
import type { Route } from '../../model/traffic';
import type { Service } from '../../model/service';
import type { Rule } from '../rule';
import { canonicalHost, serviceOfHost } from '../helpers/hosts';
import { whereLabel } from '../helpers/format';

/**
 * Routes for one in-mesh host declared by two different services (service A's route with `hosts`
 * naming B's host while B, or a third service, also routes it). Each service's routes compile to
 * one VirtualService bound to the mesh, and Istio does not merge VirtualServices of one host on
 * sidecars: which one wins is undefined (istioctl reports IST0109). Consul and the Weft proxy
 * likewise keep one route table per host. Only VirtualServices bound to gateways are merged, so
 * gateway routes are checked separately (WEFT125).
 * @see https://istio.io/latest/docs/reference/config/analysis/ist0109/
 */
export const routeHostConflicts: Rule = {
  id: 'route-host-conflicts',
  codes: { WEFT123: { severity: 'error', title: 'routes for one host declared by several services' } },
  check(ctx) {
    const byHost = new Map<string, Array<{ owner: Service; route: Route }>>();
    for (const s of ctx.model.services)
      for (const r of s.routes)
        for (const h of new Set(r.hosts.map((x) => canonicalHost(x, s.namespace, ctx.model)))) byHost.set(h, [...(byHost.get(h) ?? []), { owner: s, route: r }]);
    for (const [host, entries] of byHost) {
      // Owners by service key: a service declared twice is WEFT110, not a second route owner.
      const owners = [...new Map(entries.map((e) => [serviceKey(e.owner), e.owner])).values()];
      if (owners.length < 2) continue;
      const hostService = serviceOfHost(host, ctx.model);
      const keeper = owners.find((o) => hostService && serviceKey(o) === serviceKey(hostService)) ?? owners[0]!;
      const keeperRoute = entries.find((e) => serviceKey(e.owner) === serviceKey(keeper))!.route;
      for (const other of owners) {
        if (serviceKey(other) === serviceKey(keeper)) continue;
        const route = entries.find((e) => serviceKey(e.owner) === serviceKey(other))!.route;
        ctx.report(
          'WEFT123',
          route,
          `route "${route.name}" of service "${other.name}" is for host "${host}", which service "${keeper.name}" also routes (route "${keeperRoute.name}", ${whereLabel(keeperRoute.location, route.location)}); a mesh does not merge the routes of one host declared in different places, so which of them applies is undefined`,
          `declare every route of "${host}" on service "${keeper.name}", in the order they should be tried`,
        );
      }
    }
  },
};
