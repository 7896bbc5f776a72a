import type { Rule } from '../rule';
import { callGraphOf } from '../../model/calls';
import { allowRuleAdmits, delegationsOfModel } from '../helpers/delegation';
import { PerEnvironmentFindings, environmentViews } from '../helpers/environments';

/**
 * Under deny-by-default, a route of service A that forwards or mirrors A's traffic to another
 * service B. Routing runs in the caller's proxy, so each caller C of A sends those requests to B
 * with C's own identity. So that the route works, every target admits C on B (Istio: C's
 * principal in B's ALLOW policy; Consul: an L4 allow intention; the weft proxy: C in B's allowed
 * callers) although C does not list B in `calls`; and that grant is not limited to the requests
 * the route sends: C may call B directly, with any request. For every caller of A that can take
 * the route and that neither lists B in `calls` nor is named by an allow rule on B, this widening
 * is reported (a warning: the traffic flows; the edge is merely undeclared).
 * Gateway routes are not checked: a gateway reaches services through their gateway allowance,
 * not through `calls`.
 * @see https://istio.io/latest/docs/concepts/security/#authorization
 * @see https://developer.hashicorp.com/consul/docs/connect/intentions
 */
export const delegatedRouteAuthz: Rule = {
  id: 'delegated-route-authz',
  codes: { WEFT305: { severity: 'warning', title: 'route admits callers to a service they do not call' } },
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
          severity: 'warning',
          message: `route "${d.route.name}" ${verb} requests for "${d.host.name}" to service "${target.name}"; the caller sends them to "${target.name}" itself, so the mesh admits ${denied.length > 1 ? 'callers' : 'caller'} ${names} of "${d.host.name}" on "${target.name}" although ${denied.length > 1 ? 'they do' : 'it does'} not list "${target.name}" in calls, and for any request, not only the ones this route sends`,
          hint: `add "${target.name}" to the calls of ${names} to declare the edge this route creates, or allow ${denied.length > 1 ? 'them' : 'it'} on "${target.name}" with ${target.name}.allow(…, { from: { services: [...] } })`,
        });
      }
    }
    findings.report(ctx);
  },
};
