import { serviceKey } from '../../model/common';
import type { Route } from '../../model/traffic';
import type { Service } from '../../model/service';
import type { Rule } from '../rule';
import { canonicalHost, serviceOfHost } from '../../model/hosts';
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
        for (const h of new Set(r.hosts.map((x) => canonicalHost(x, s.namespace, ctx.model)))) {
          const list = byHost.get(h);
          if (list) list.push({ owner: s, route: r });
          else byHost.set(h, [{ owner: s, route: r }]);
        }
    for (const [host, entries] of byHost) {
      // Owners by service key: a service declared twice is WEFT110, not a second route owner.
      // The first route of each owner key, too, so that no owner scans the entries again.
      const ownerByKey = new Map<string, Service>();
      const firstRoute = new Map<string, Route>();
      for (const e of entries) {
        const k = serviceKey(e.owner);
        ownerByKey.set(k, e.owner);
        if (!firstRoute.has(k)) firstRoute.set(k, e.route);
      }
      const owners = [...ownerByKey.values()];
      if (owners.length < 2) continue;
      const hostService = serviceOfHost(host, ctx.model);
      const keeper = owners.find((o) => hostService && serviceKey(o) === serviceKey(hostService)) ?? owners[0]!;
      const keeperRoute = firstRoute.get(serviceKey(keeper))!;
      for (const other of owners) {
        if (serviceKey(other) === serviceKey(keeper)) continue;
        const route = firstRoute.get(serviceKey(other))!;
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
