import type { ServiceRef } from '../../model/common';
import type { Route } from '../../model/traffic';
import type { Rule, RuleContext } from '../rule';
import type { At } from '../../diagnostics/location';

/**
 * A reference to a service the mesh does not declare: a route or mirror destination, a `calls`
 * entry, an authorization rule's `from.services`, a match's `from`. Constructs hold references as
 * objects, so this happens when a service comes from another `Mesh`, or when the referenced
 * service's own props were invalid (WEFT001) and it was left out of the model.
 */
export const unknownService: Rule = {
  id: 'unknown-service',
  codes: { WEFT101: { severity: 'error', title: 'unknown service' } },
  check(ctx) {
    const check = (ref: ServiceRef, at: At, what: string) => {
      if (ctx.index.service(ref)) return;
      ctx.report('WEFT101', at, `${what} service "${ref.name}" in namespace "${ref.namespace}", which is not declared`, hintFor(ref, ctx));
    };
    const checkRoute = (route: Route) => {
      if (route.action.kind === 'forward')
        for (const d of route.action.destinations) check(d.service, route, `route "${route.name}" sends traffic to`);
      if (route.mirror) check(route.mirror.destination.service, route, `route "${route.name}" mirrors traffic to`);
      for (const m of route.match) if (m.sourceService) check(m.sourceService, route, `route "${route.name}" matches requests from`);
    };
    for (const s of ctx.model.services) {
      for (const c of s.calls) if (c.target.kind === 'service') check(c.target.service, c, `service "${s.name}" calls`);
      for (const rule of s.security.authorization)
        for (const from of rule.from.services ?? []) check(from, rule, `${rule.action} rule "${rule.name}" on service "${s.name}" names`);
      s.routes.forEach(checkRoute);
    }
    for (const g of ctx.model.gateways) g.routes.forEach(checkRoute);
  },
};

function hintFor(ref: ServiceRef, ctx: RuleContext): string {
  const elsewhere = ctx.model.services.filter((s) => s.name === ref.name).map((s) => s.namespace);
  if (elsewhere.length > 0)
    return `a service "${ref.name}" exists in namespace ${elsewhere.map((n) => `"${n}"`).join(', ')}; reference that one, or declare "${ref.name}" in "${ref.namespace}"`;
  return `declare the service in this Mesh (team.service("${ref.name}", …)) and reference that object, or fix its props if WEFT001 reported them`;
}
