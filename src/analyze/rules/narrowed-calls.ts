import type { Rule } from '../rule';
import { callGraphOf } from '../../model/calls';
import { isNarrowed, replacesGrant } from '../../model/grants';

/**
 * Narrowing what a caller may do (model/grants.ts) only means something under deny-by-default,
 * and an allow rule only admits what no other grant already admits. Declarations that change
 * nothing are reported, because their author expects them to:
 * - WEFT126: a narrowed call (`callee.only(...)`) under `authorization: 'allow-all'`, where every
 *   request is admitted anyway, or with no methods, paths or ports, which narrows nothing;
 * - WEFT127: an allow rule under `allow-all` (no ALLOW policy exists for it to add to), or one that
 *   names callers together with further conditions while each of those callers already may make
 *   any request through its declared call: the rule's conditions restrict nobody.
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/ (ALLOW: any matching policy admits)
 */
export const narrowedCalls: Rule = {
  id: 'narrowed-calls',
  codes: {
    WEFT126: { severity: 'warning', title: 'narrowed call without effect' },
    WEFT127: { severity: 'warning', title: 'allow rule without effect' },
  },
  check(ctx) {
    const allowAll = ctx.model.security.authorization === 'allow-all';
    const graph = callGraphOf(ctx.model);
    for (const caller of ctx.model.services)
      for (const call of caller.calls) {
        if (!call.only || call.target.kind !== 'service') continue;
        const callee = call.target.service.name;
        const empty = !call.only.methods?.length && !call.only.paths?.length && !call.only.ports?.length;
        if (allowAll)
          ctx.report('WEFT126', call, `the call from "${caller.name}" to "${callee}" is narrowed, but the mesh's authorization is allow-all: every caller may make any request, so the narrowing restricts nothing`, `set security.authorization: 'deny-by-default' on the mesh, or list "${callee}" in calls without .only()`);
        else if (empty)
          ctx.report('WEFT126', call, `the call from "${caller.name}" to "${callee}" is narrowed with no methods, paths or ports, which admits every request, as the plain call does`, `name the methods, paths or ports "${caller.name}" may use, or list "${callee}" without .only()`);
      }
    for (const s of ctx.model.services)
      for (const rule of s.security.authorization) {
        if (rule.action !== 'allow') continue;
        if (allowAll) {
          ctx.report('WEFT127', rule, `allow rule "${rule.name}" on service "${s.name}" has no effect: the mesh's authorization is allow-all, so every request is admitted without it`, `set security.authorization: 'deny-by-default' on the mesh to make allow rules the only way in, or remove the rule`);
          continue;
        }
        const callers = rule.from.services ?? [];
        if (callers.length === 0 || replacesGrant(rule)) continue;
        const unrestricted = callers.every((ref) => {
          const c = ctx.index.service(ref);
          return c !== undefined && graph.calls(c, s) && !isNarrowed(ctx.model, s, c);
        });
        if (unrestricted)
          ctx.report(
            'WEFT127',
            rule,
            `allow rule "${rule.name}" on service "${s.name}" has no effect: ${callers.map((r) => `"${r.name}"`).join(', ')} already may make any request to "${s.name}" through ${callers.length > 1 ? 'their' : 'its'} declared call, so the rule's further conditions restrict nothing`,
            `to restrict the caller, narrow its call (calls: [${s.name}.only({ … })]) or give the rule no source condition besides services, which then replaces the call's grant`,
          );
      }
  },
};
