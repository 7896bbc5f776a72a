import type { Rule } from '../rule';
import { callGraphOf } from '../../model/calls';
import { allowRuleAdmits, delegationsOfModel } from '../helpers/delegation';
import { PerEnvironmentFindings, environmentViews } from '../helpers/environments';

/**
 * Under deny-by-default, a route of service A that forwards or mirrors A's traffic to another
 * service B. Routing runs in the caller's proxy, so each caller C of A sends those requests to B
 * with C's own identity; B admits only services that list B in `calls` or that an allow rule on B
 * names. For every caller of A that can take the route and is admitted by neither, the mesh
 * rejects the request (403 on Istio, Consul intentions deny it). A forward is an error; a mirror a
 * warning, since mirrored requests are fire-and-forget and only the copy is lost.
 * Gateway routes are not checked: a gateway reaches services through their gateway allowance,
 * not through `calls`.
 * @see https://istio.io/latest/docs/concepts/security/#authorization
 * @see https://developer.hashicorp.com/consul/docs/connect/intentions
 */
export const delegatedRouteAuthz: Rule = {
  id: 'delegated-route-authz',
  codes: { WEFT305: { severity: 'error', title: 'route forwards callers to a service that denies them' } },
  check(ctx) {
    const views = environmentViews(ctx.model);
    const findings = new PerEnvironmentFindings(views.map((v) => v.env));
    for (const view of views) {
      if (view.model.security.authorization !== 'deny-by-default') continue;
      const graph = callGraphOf(view.model);
      for (const d of delegationsOfModel(view.model)) {
        const target = view.index.service(d.to);
        if (!target) continue;
        const denied = d.callers.filter((c) => !graph.calls(c, target) && !allowRuleAdmits(target, c));
        if (denied.length === 0) continue;
        const names = denied.map((c) => `"${c.name}"`).join(', ');
        const verb = d.kind === 'forward' ? 'forwards' : 'mirrors';
        findings.add(view.env, `${d.route.path}|${d.kind}|${target.namespace}/${target.name}|${names}`, {
          code: 'WEFT305',
          at: d.route,
          severity: d.kind === 'forward' ? 'error' : 'warning',
          message: `route "${d.route.name}" ${verb} requests for "${d.host.name}" to service "${target.name}", but ${denied.length > 1 ? 'callers' : 'caller'} ${names} of "${d.host.name}" ${denied.length > 1 ? 'do' : 'does'} not list "${target.name}" in calls; the request goes from the caller to "${target.name}" directly, so under deny-by-default the mesh rejects it`,
          hint: `add "${target.name}" to the calls of ${names}, or allow ${denied.length > 1 ? 'them' : 'it'} on "${target.name}" with ${target.name}.allow(…, { from: { services: [...] } })`,
        });
      }
    }
    findings.report(ctx);
  },
};
