import type { MeshModel } from '../../model/mesh';
import type { Route } from '../../model/traffic';
import type { Rule, RuleContext } from '../rule';
import { canonicalHost } from '../../model/hosts';
import { clauseCovers, clauseSetKey, clausesOf } from '../../model/match';
import { quotedList, whereLabel } from '../helpers/format';

/**
 * Routes of one host are tried in declaration order and the first match wins (Istio HTTPRoute
 * order, Consul ServiceRouter order, the Weft proxy's route table). A later route is dead when
 * earlier routes on the same host take every request it could match:
 * - WEFT122: it has exactly the same match clauses as an earlier route (reported instead of 121);
 * - WEFT121: each of its clauses is covered by one clause of an earlier route, on each of its hosts
 *   (e.g. prefix "/" before prefix "/api", or a route without conditions before anything).
 * Coverage is decided clause by clause (model/match.ts) and errs towards "not covered", so that
 * a warning is always a certainty: two different regexes, or a union of earlier clauses that only
 * together cover a later one, are not reported.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#VirtualService (http: "the first rule matching an incoming request is used")
 */
export const routeOrder: Rule = {
  id: 'route-order',
  codes: {
    WEFT121: { severity: 'warning', title: 'shadowed route' },
    WEFT122: { severity: 'warning', title: 'duplicate route match' },
  },
  check(ctx) {
    for (const s of ctx.model.services) checkTable(ctx, s.routes, s.namespace);
    for (const g of ctx.model.gateways) checkTable(ctx, g.routes, undefined);
  },
};

function checkTable(ctx: RuleContext, routes: readonly Route[], ownerNamespace: string | undefined): void {
  // Per route, computed once: its canonical hosts, its clauses and the key of its clause set.
  const hostsOf = routes.map((r) => [...new Set(r.hosts.map((h) => canonicalHost(h, ownerNamespace, ctx.model)))]);
  const clauses = routes.map(clausesOf);
  const keys = clauses.map(clauseSetKey);
  // Earlier routes by host, in declaration order, and the first earlier route per host and clause set.
  const byHost = new Map<string, number[]>();
  const firstWith = new Map<string, number>();
  routes.forEach((later, i) => {
    const hosts = hostsOf[i]!;
    try {
      // The earliest route that shares a host and has the same clauses (sameClauses).
      let twinAt = -1;
      for (const h of hosts) {
        const at = firstWith.get(`${h}\u0000${keys[i]}`);
        if (at !== undefined && (twinAt < 0 || at < twinAt)) twinAt = at;
      }
      if (twinAt >= 0) {
        const twin = routes[twinAt]!;
        const twinHosts = new Set(hostsOf[twinAt]);
        const shared = hosts.filter((h) => twinHosts.has(h));
        ctx.report(
          'WEFT122',
          later,
          `route "${later.name}" has the same match as route "${twin.name}" (${whereLabel(twin.location, later.location)}) on host ${quotedList(shared.map((h) => short(h, ctx.model)))}, so it never receives a request there`,
          `remove one of the two routes, or make their matches differ (routes are tried in declaration order)`,
        );
        return;
      }
      const shadowers: Route[] = [];
      const dead = hosts.every((h) =>
        clauses[i]!.every((clause) => {
          const at = (byHost.get(h) ?? []).find((e) => clauses[e]!.some((c) => clauseCovers(c, clause)));
          const a = at === undefined ? undefined : routes[at]!;
          if (a && !shadowers.includes(a)) shadowers.push(a);
          return a !== undefined;
        }),
      );
      if (!dead || shadowers.length === 0) return;
      const names = shadowers.map((r) => `"${r.name}" (${whereLabel(r.location, later.location)})`).join(' and ');
      ctx.report(
        'WEFT121',
        later,
        `route "${later.name}" can never match: route${shadowers.length > 1 ? 's' : ''} ${names}, declared earlier for the same host, already match${shadowers.length > 1 ? '' : 'es'} every request it matches`,
        `declare route "${later.name}" before the broader route${shadowers.length > 1 ? 's' : ''} (the first matching route wins), or narrow the earlier match`,
      );
    } finally {
      for (const h of hosts) {
        const list = byHost.get(h);
        if (list) list.push(i);
        else byHost.set(h, [i]);
        const k = `${h}\u0000${keys[i]}`;
        if (!firstWith.has(k)) firstWith.set(k, i);
      }
    }
  });
}

/** A service's own FQDN is long; messages use it as is, other hosts too. */
function short(host: string, model: MeshModel): string {
  return host.endsWith(`.svc.${model.clusterDomain}`) ? host.slice(0, -`.svc.${model.clusterDomain}`.length) : host;
}
