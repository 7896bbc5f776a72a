import type { Rule } from '../rule';
import { hostsOverlap } from '../../model/hosts';

/**
 * Gateway hosts and gateway route hosts that do not meet, in both directions (wildcards such as
 * `*.example.com` considered):
 * - WEFT403: a gateway host that none of the gateway's routes lists. The gateway accepts requests
 *   for it and answers every one with 404.
 * - WEFT404: a gateway route host that the gateway does not serve. Istio ignores that host of the
 *   VirtualService on the gateway (istioctl: IST0132), so the route never sees those requests.
 * @see https://istio.io/latest/docs/reference/config/networking/gateway/#Server
 * @see https://istio.io/latest/docs/reference/config/analysis/ist0132/
 */
export const gatewayHosts: Rule = {
  id: 'gateway-hosts',
  codes: {
    WEFT403: { severity: 'warning', title: 'gateway host without a route' },
    WEFT404: { severity: 'warning', title: 'gateway route host not served by its gateway' },
  },
  check(ctx) {
    for (const g of ctx.model.gateways) {
      for (const host of g.hosts) {
        if (g.routes.some((r) => r.hosts.some((h) => hostsOverlap(host, h)))) continue;
        ctx.report(
          'WEFT403',
          g,
          `gateway "${g.name}" serves host "${host}", but none of its routes is for it, so every request to "${host}" gets 404`,
          g.routes.length === 0
            ? `add a route with ${g.name}.route(name, { to: … })`
            : `add a route for "${host}" (a route without \`hosts\` takes all of the gateway's hosts), or remove the host`,
        );
      }
      for (const r of g.routes)
        for (const host of r.hosts) {
          if (g.hosts.some((h) => hostsOverlap(h, host))) continue;
          ctx.report(
            'WEFT404',
            r,
            `route "${r.name}" of gateway "${g.name}" is for host "${host}", which the gateway does not serve (${g.hosts.map((h) => `"${h}"`).join(', ')}), so it never receives those requests`,
            `add "${host}" to the hosts of gateway "${g.name}", or drop it from the route's \`hosts\``,
          );
        }
    }
  },
};
