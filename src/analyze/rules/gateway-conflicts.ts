import type { Gateway } from '../../model/mesh';
import type { Rule } from '../rule';
import { hostsOverlap } from '../../model/hosts';
import { whereLabel } from '../helpers/format';

/**
 * Two gateways that select the same gateway workload, listen on the same port and serve
 * overlapping hosts. Istio merges the VirtualServices bound to gateways, but not the Gateway
 * servers themselves: only one of the conflicting servers is used, so the routes of the other
 * gateway for those hosts are never reached (istioctl reports IST0145).
 * @see https://istio.io/latest/docs/reference/config/analysis/ist0145/
 */
export const gatewayConflicts: Rule = {
  id: 'gateway-conflicts',
  codes: { WEFT125: { severity: 'error', title: 'gateways conflict on a host' } },
  check(ctx) {
    const gws = ctx.model.gateways;
    gws.forEach((later, i) => {
      for (const earlier of gws.slice(0, i)) {
        if (earlier.name === later.name) continue; // WEFT112
        if (earlier.port !== later.port || selectorKey(earlier) !== selectorKey(later)) continue;
        const shared = later.hosts.filter((h) => earlier.hosts.some((e) => hostsOverlap(h, e)));
        if (shared.length === 0) continue;
        ctx.report(
          'WEFT125',
          later,
          `gateway "${later.name}" serves ${shared.map((h) => `"${h}"`).join(', ')} on port ${later.port} of the same gateway workload as gateway "${earlier.name}" (${whereLabel(earlier.location, later.location)}); only one of the two servers is used, so the other gateway's routes for these hosts are never reached`,
          `serve these hosts from one gateway (put the routes on "${earlier.name}"), make the hosts disjoint, or give one gateway its own port or \`selector\``,
        );
      }
    });
  },
};

function selectorKey(g: Gateway): string {
  return JSON.stringify(Object.entries(g.selector).sort(([a], [b]) => a.localeCompare(b)));
}
