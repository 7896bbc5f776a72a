import type { Rule } from '../rule';

/**
 * A `calls` entry naming an external service the mesh does not declare (one from another `Mesh`,
 * or one whose props were invalid and were left out of the model). `calls` names external services
 * by name only, which is also why WEFT114 keeps those names unique mesh-wide.
 */
export const unknownExternalService: Rule = {
  id: 'unknown-external-service',
  codes: { WEFT102: { severity: 'error', title: 'unknown external service' } },
  check(ctx) {
    const known = new Set(ctx.model.externalServices.map((x) => x.name));
    for (const s of ctx.model.services)
      for (const c of s.calls) {
        if (c.target.kind !== 'external' || known.has(c.target.name)) continue;
        ctx.report(
          'WEFT102',
          c,
          `service "${s.name}" calls external service "${c.target.name}", which is not declared`,
          `declare it with team.externalService("${c.target.name}", { hosts: [...] }) in this Mesh, or fix its props if WEFT001 reported them`,
        );
      }
  },
};
