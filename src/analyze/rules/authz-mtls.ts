import type { Rule } from '../rule';
import { PerEnvironmentFindings, environmentViews } from '../helpers/environments';

/**
 * An authorization rule that matches callers by identity (`from.services`, i.e. principals, or
 * `from.namespaces`) on a service whose effective mTLS mode does not guarantee one. Peer identity
 * comes only from the mTLS client certificate; these fields never match plaintext traffic.
 * - mTLS `disable`: the rule can never match (error). An allow rule admits no one, a deny rule
 *   denies no one.
 * - mTLS `permissive`: plaintext requests carry no identity (warning). They slip past deny rules;
 *   allow rules cannot admit them.
 * The effective mode is the service's own, else the mesh's, in each environment (ModelIndex.mtlsOf
 * on the environment's model), so an environment that turns mTLS off is caught too.
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source
 * @see https://istio.io/latest/news/security/istio-security-2021-004/
 */
export const authzMtls: Rule = {
  id: 'authz-mtls',
  codes: { WEFT303: { severity: 'error', title: 'identity-based authorization without mTLS' } },
  check(ctx) {
    const views = environmentViews(ctx.model);
    const findings = new PerEnvironmentFindings(views.map((v) => v.env));
    for (const view of views)
      for (const s of view.model.services) {
        const mode = view.index.mtlsOf(s);
        if (mode === 'strict') continue;
        for (const rule of s.security.authorization) {
          const fields = [...(rule.from.services?.length ? ['from.services'] : []), ...(rule.from.namespaces?.length ? ['from.namespaces'] : [])];
          if (fields.length === 0) continue;
          const effect =
            mode === 'disable'
              ? rule.action === 'allow'
                ? 'the rule never matches and admits no one'
                : 'the rule never matches and denies no one'
              : rule.action === 'allow'
                ? 'plaintext requests, which mTLS "permissive" still accepts, can never match it'
                : 'plaintext requests, which mTLS "permissive" still accepts, are not denied by it';
          findings.add(view.env, `${rule.path}|${mode}`, {
            code: 'WEFT303',
            at: rule,
            severity: mode === 'disable' ? 'error' : 'warning',
            message: `${rule.action} rule "${rule.name}" on service "${s.name}" matches callers by identity (${fields.join(', ')}), but mTLS is "${mode}" for "${s.name}": only mTLS gives a caller an identity, so ${effect}`,
            hint: `use mTLS "strict" for "${s.name}" (its \`security.mtls\` or the mesh's), or match on something plaintext carries`,
          });
        }
      }
    findings.report(ctx);
  },
};
