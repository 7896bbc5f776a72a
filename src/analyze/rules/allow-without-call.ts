import type { Rule } from '../rule';
import { serviceKey } from '../../model/common';
import { callGraphOf } from '../../model/calls';
import { sameService } from '../../model/common';
import { delegationsOfModel } from '../helpers/delegation';

/**
 * An allow rule on service S for caller X (`from.services: [X]`) while X does not list S in its
 * `calls`. `calls` is Weft's dependency graph: deny-by-default authorizes by it, the topology rules
 * and the verifier read it. An allow rule says that X talks to S; `calls` says it does not; one of
 * the two is stale. Reported in every authorization mode, as it is a contradiction in the
 * declaration, not an enforcement gap. Not reported when X reaches S through a route of a service
 * X calls (see WEFT305): then the allow rule is exactly what admits X.
 */
export const allowWithoutCall: Rule = {
  id: 'allow-without-call',
  codes: { WEFT304: { severity: 'warning', title: 'allow rule for a service that does not declare the call' } },
  check(ctx) {
    const graph = callGraphOf(ctx.model);
    // `target|caller` for every caller that reaches a target through a delegating route.
    const delegated = new Set<string>();
    for (const d of delegationsOfModel(ctx.model)) for (const c of d.callers) delegated.add(`${serviceKey(d.to)}|${serviceKey(c)}`);
    for (const s of ctx.model.services)
      for (const rule of s.security.authorization) {
        if (rule.action !== 'allow') continue;
        for (const from of rule.from.services ?? []) {
          const caller = ctx.index.service(from);
          if (!caller || sameService(caller, s) || graph.calls(caller, s)) continue;
          if (delegated.has(`${serviceKey(s)}|${serviceKey(caller)}`)) continue;
          ctx.report(
            'WEFT304',
            rule,
            `allow rule "${rule.name}" on service "${s.name}" admits service "${caller.name}", but "${caller.name}" does not list "${s.name}" in its calls`,
            `add "${s.name}" to the calls of "${caller.name}" if it calls it, or remove "${caller.name}" from the rule`,
          );
        }
      }
  },
};
