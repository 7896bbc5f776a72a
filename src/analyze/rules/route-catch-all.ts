import { serviceFqdn } from '../../model/common';
import type { Route } from '../../model/traffic';
import type { Rule } from '../rule';
import { canonicalHost } from '../../model/hosts';
import { isCatchAllRoute } from '../../model/match';

/**
 * A service that declares routes for a host but none that matches every request. Once a service
 * has routes, the mesh stops sending unmatched requests to the service's default destination:
 * Istio's sidecar answers them with 404 (response flag NR, "no route"), and so do Consul's
 * ServiceRouter and the Weft proxy. Gateway routes are exempt: a gateway exposing only some paths
 * and answering 404 for the rest is the usual intent.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRoute
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/observability/access_log/usage#config-access-log-format-response-flags
 */
export const routeCatchAll: Rule = {
  id: 'route-catch-all',
  codes: { WEFT124: { severity: 'warning', title: 'no catch-all route' } },
  check(ctx) {
    for (const s of ctx.model.services) {
      const byHost = new Map<string, Route[]>();
      for (const r of s.routes)
        for (const h of new Set(r.hosts.map((x) => canonicalHost(x, s.namespace, ctx.model)))) {
          const list = byHost.get(h);
          if (list) list.push(r);
          else byHost.set(h, [r]);
        }
      const own = serviceFqdn(s, ctx.model.clusterDomain);
      for (const [host, routes] of byHost) {
        if (routes.some(isCatchAllRoute)) continue;
        const names = routes.map((r) => `"${r.name}"`).join(', ');
        const forHost = host === own ? '' : ` for host "${host}"`;
        ctx.report(
          'WEFT124',
          s,
          `service "${s.name}" has routes${forHost} (${names}) but none matches every request: requests that match none of them get 404`,
          `add a last route without \`match\`, e.g. ${s.name}.route('default', { to: … }), so that every other request has a destination`,
        );
      }
    }
  },
};
