import type { Rule } from '../rule';

/**
 * An authorization rule that matches on JWT claims (`from.jwtClaims`) or on any valid JWT
 * (`from.authenticated`) on a service that validates no JWT (`service.requireJwt`). Without a
 * RequestAuthentication no request carries a request principal or claims: an allow rule never
 * admits anyone and a deny rule never denies anyone.
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source (requestPrincipals)
 * @see https://istio.io/latest/docs/reference/config/security/request_authentication/
 */
export const jwtClaims: Rule = {
  id: 'jwt-claims',
  codes: { WEFT301: { severity: 'error', title: 'JWT condition without a JWT rule' } },
  check(ctx) {
    for (const s of ctx.model.services) {
      if (s.security.jwt.length > 0) continue;
      for (const rule of s.security.authorization) {
        const claims = Object.keys(rule.from.jwtClaims ?? {});
        const what = [...(claims.length ? [`JWT claims (${claims.join(', ')})`] : []), ...(rule.from.authenticated ? ['a valid JWT'] : [])];
        if (what.length === 0) continue;
        ctx.report(
          'WEFT301',
          rule,
          `${rule.action} rule "${rule.name}" on service "${s.name}" requires ${what.join(' and ')}, but "${s.name}" validates no JWT, so the rule ${rule.action === 'allow' ? 'never admits a request' : 'never denies a request'}`,
          `add ${s.name}.requireJwt(name, { issuer, jwksUri }) for the issuer of these tokens`,
        );
      }
    }
  },
};
