import type { Rule } from '../rule';

/**
 * Names the model holds as plain strings and that must resolve: a gateway route's owning gateway
 * and a service's team. The constructs always produce them resolved (a route is created on its
 * gateway, a service on its team), so these fire only for a model assembled some other way: they
 * keep `analyze()` total over every `MeshModel`, as targets index gateways and teams by these names.
 */
export const unknownOwner: Rule = {
  id: 'unknown-owner',
  codes: {
    WEFT103: { severity: 'error', title: 'unknown gateway' },
    WEFT106: { severity: 'error', title: 'unknown team' },
  },
  check(ctx) {
    const gateways = new Set(ctx.model.gateways.map((g) => g.name));
    const routes = [...ctx.model.services.flatMap((s) => s.routes), ...ctx.model.gateways.flatMap((g) => g.routes)];
    for (const route of routes) {
      if (route.owner.kind !== 'gateway' || gateways.has(route.owner.gateway)) continue;
      ctx.report(
        'WEFT103',
        route,
        `route "${route.name}" belongs to gateway "${route.owner.gateway}", which is not declared`,
        'declare the gateway with mesh.gateway(name, …) and create the route with gateway.route(…)',
      );
    }
    const teams = new Set(ctx.model.teams.map((t) => t.name));
    for (const s of ctx.model.services) {
      if (teams.has(s.team)) continue;
      ctx.report(
        'WEFT106',
        s,
        `service "${s.name}" belongs to team "${s.team}", which is not declared`,
        'declare the team with mesh.team(name, …) and create the service with team.service(…)',
      );
    }
  },
};
