import { serviceFqdn } from '../../model/common';
import type { Service } from '../../model/service';
import type { Route } from '../../model/traffic';
import type { Rule } from '../rule';
import { canonicalHost } from '../../model/hosts';
import { isCatchAllRoute } from '../../model/match';

/**
 * A service that declares routes for a host but none that matches every request. What happens
 * to the requests no route matches depends on the host, and is the same on every target:
 * - the service's own host: every target sends them to the service as a whole, as without a
 *   mesh (the Istio target appends a catch-all `default` route to its VirtualService, the weft
 *   target an implicit route, and Consul's ServiceRouter falls through to the service). With
 *   one version that is what anyone expects; with several, requests that no route sends to a
 *   version reach any of them, also the version a route meant only for some requests;
 * - another host the service routes: nothing is appended, so unmatched requests get 404 (Envoy's
 *   and the weft proxy's "no route", response flag NR).
 * Gateway routes are exempt: a gateway exposing only some paths and answering 404 for the rest is
 * the usual intent.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRoute
 * @see https://developer.hashicorp.com/consul/docs/connect/config-entries/service-router (unmatched requests go to the service)
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
        const hint = `add a last route without \`match\`, e.g. ${s.name}.route('default', { to: … }), to say where every other request goes`;
        if (host !== own)
          ctx.report('WEFT124', s, `service "${s.name}" has routes for host "${host}" (${names}) but none matches every request: requests for that host that match none of them get 404 (no route)`, hint);
        else if (s.versions.length > 1)
          ctx.report(
            'WEFT124',
            s,
            `service "${s.name}" has routes (${names}) but none matches every request: requests that match none of them go to the service as a whole, to any of its versions (${versionList(s)}), not to a version a route chose`,
            hint,
          );
      }
    }
  },
};

function versionList(s: Service): string {
  return s.versions.map((v) => `"${v.name}"`).join(', ');
}
