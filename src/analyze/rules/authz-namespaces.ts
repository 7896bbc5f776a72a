import type { Rule } from '../rule';

/**
 * An authorization rule naming a namespace in which the mesh declares nothing (no team, service,
 * gateway or external service). The rule matches peers by the namespace of their mesh identity,
 * so a misspelt namespace silently matches no one. A warning, not an error: workloads that Weft
 * does not manage (a monitoring namespace, say) may legitimately live there.
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source (namespaces)
 */
export const authzNamespaces: Rule = {
  id: 'authz-namespaces',
  codes: { WEFT302: { severity: 'warning', title: 'authorization rule names an unknown namespace' } },
  check(ctx) {
    const m = ctx.model;
    const known = new Set([
      ...m.teams.map((t) => t.namespace),
      ...m.services.map((s) => s.namespace),
      ...m.gateways.map((g) => g.namespace),
      ...m.externalServices.map((x) => x.namespace),
    ]);
    for (const s of m.services)
      for (const rule of s.security.authorization)
        for (const ns of rule.from.namespaces ?? []) {
          if (known.has(ns)) continue;
          ctx.report(
            'WEFT302',
            rule,
            `${rule.action} rule "${rule.name}" on service "${s.name}" names namespace "${ns}", in which this mesh declares no team, service or gateway`,
            `check the spelling; declared namespaces: ${[...known].sort().join(', ')}`,
          );
        }
  },
};
