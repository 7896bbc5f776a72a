import type { NodeMeta } from '../../model/common';
import type { Route } from '../../model/traffic';
import type { Rule, RuleContext } from '../rule';
import { whereLabel } from '../helpers/format';

/**
 * Names that must be unique because every target derives resource names and references from
 * them. The constructs keep a duplicate as a sibling with a `~2` construct id, but the model keeps
 * the declared name, so two Deployments, VirtualService routes or policies would collide. Each
 * later declaration is reported, pointing at the first.
 *
 * Scopes: services per namespace (two teams may share a namespace); routes per owning service or
 * gateway; gateways, teams and external services mesh-wide (routes name their gateway, services
 * their team and `calls` an external service by bare name); authorization rules (allow and deny
 * share one space, as both become policies named after the rule), JWT rules and SLOs per service.
 */
export const duplicateNames: Rule = {
  id: 'duplicate-names',
  codes: {
    WEFT110: { severity: 'error', title: 'duplicate service' },
    WEFT111: { severity: 'error', title: 'duplicate route name' },
    WEFT112: { severity: 'error', title: 'duplicate gateway' },
    WEFT113: { severity: 'error', title: 'duplicate team' },
    WEFT114: { severity: 'error', title: 'duplicate external service' },
    WEFT115: { severity: 'error', title: 'duplicate policy name' },
  },
  check(ctx) {
    const m = ctx.model;
    duplicates(ctx, 'WEFT110', m.services, (s) => `${s.namespace}/${s.name}`, (s) => `service "${s.name}" is declared twice in namespace "${s.namespace}"`, 'rename one of the services, or merge the two declarations');
    for (const s of m.services) routeDuplicates(ctx, s.routes, `service "${s.name}"`);
    for (const g of m.gateways) routeDuplicates(ctx, g.routes, `gateway "${g.name}"`);
    duplicates(ctx, 'WEFT112', m.gateways, (g) => g.name, (g) => `gateway "${g.name}" is declared twice`, 'give each gateway its own name; put several hosts into one gateway with `hosts`');
    duplicates(ctx, 'WEFT113', m.teams, (t) => t.name, (t) => `team "${t.name}" is declared twice`, 'declare each team once; two teams may share a namespace, but not a name');
    duplicates(ctx, 'WEFT114', m.externalServices, (x) => x.name, (x) => `external service "${x.name}" is declared twice`, '`calls` refers to external services by name, so give each a mesh-wide unique name');
    for (const s of m.services) {
      const hint = 'give each policy of a service its own name';
      duplicates(ctx, 'WEFT115', s.security.authorization, (r) => r.name, (r) => `authorization rule "${r.name}" is declared twice on service "${s.name}"`, `${hint}; allow and deny rules share one set of names`);
      duplicates(ctx, 'WEFT115', s.security.jwt, (r) => r.name, (r) => `JWT rule "${r.name}" is declared twice on service "${s.name}"`, hint);
      duplicates(ctx, 'WEFT115', s.observability.slos, (r) => r.name, (r) => `SLO "${r.name}" is declared twice on service "${s.name}"`, hint);
    }
  },
};

function routeDuplicates(ctx: RuleContext, routes: readonly Route[], owner: string): void {
  duplicates(ctx, 'WEFT111', routes, (r) => r.name, (r) => `route "${r.name}" is declared twice on ${owner}`, 'give each route of one service or gateway its own name');
}

function duplicates<T extends NodeMeta>(
  ctx: RuleContext,
  code: string,
  nodes: readonly T[],
  key: (n: T) => string,
  message: (n: T) => string,
  hint: string,
): void {
  const first = new Map<string, T>();
  for (const n of nodes) {
    const k = key(n);
    const earlier = first.get(k);
    if (!earlier) {
      first.set(k, n);
      continue;
    }
    ctx.report(code, n, `${message(n)} (first at ${whereLabel(earlier.location, n.location)})`, hint);
  }
}
