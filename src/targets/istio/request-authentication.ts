import type { JwtRule } from '../../model/security';
import { SyncWave } from '../sync-waves';
import type { Manifest } from '../target';
import { API, compact, manifest, workloadSelector, type IstioContext } from './common';

/**
 * One RequestAuthentication per service with JWT rules. It validates tokens that are present;
 * rejecting requests without one is the `-require-jwt` DENY AuthorizationPolicy's job.
 * @see https://istio.io/latest/docs/reference/config/security/request_authentication/
 * @see https://istio.io/latest/docs/reference/config/security/jwt/#JWTRule
 */
export function requestAuthentications(ic: IstioContext): Manifest[] {
  return ic.model.services
    .filter((s) => s.security.jwt.length > 0)
    .map((s) =>
      manifest(ic, API.security, 'RequestAuthentication', s.name, s.namespace, s.name, SyncWave.foundation, {
        selector: workloadSelector(s),
        jwtRules: s.security.jwt.map(jwtRule),
      }),
    );
}

function jwtRule(j: JwtRule): Record<string, unknown> {
  return compact({
    issuer: j.issuer,
    jwksUri: j.jwksUri,
    jwks: j.jwksUri === undefined ? j.jwks : undefined,
    audiences: j.audiences.length ? j.audiences : undefined,
    fromHeaders: j.fromHeaders.length ? j.fromHeaders.map((h) => compact({ name: h.name, prefix: h.prefix })) : undefined,
    fromParams: j.fromParams.length ? j.fromParams : undefined,
    forwardOriginalToken: j.forwardOriginalToken || undefined,
  });
}
