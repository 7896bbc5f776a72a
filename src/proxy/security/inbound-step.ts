/**
 * The inbound security step, first in the inbound chain (where Istio puts jwt_authn and rbac,
 * before rate limit, fault injection and the router):
 * 1. JWT authentication — an invalid token is 401 `Jwt <reason>` with
 *    `www-authenticate: Bearer realm=…, error="invalid_token"`; a missing token is 401
 *    `Jwt is missing` only when a token is required, else the request continues unauthenticated;
 * 2. authorization — DENY, then ALLOW; a denial is 403 `RBAC: access denied` naming the matched
 *    policy (Envoy's response code details `rbac_access_denied_matched_policy[…]`, which is
 *    `none` under deny-by-default when no ALLOW policy matched).
 * Envoy sets no response flag for either (envoyproxy/envoy#21197): the metrics carry
 * response_code 401/403 and response_flags "-", as Istio's do.
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/rbac_filter
 */
import type { Exchange } from '../exchange';
import { localReply, type Dispatch, type Handler, type Step } from '../pipeline/types';
import type { Authorizer, AuthzRequest } from './authz';
import { wwwAuthenticate, type JwtAuthenticator } from './jwt';

export interface InboundSecurity {
  readonly authorizer: Authorizer;
  readonly jwt: JwtAuthenticator;
  readonly jwtRequired: boolean;
  /** The destination port policies see (the application's port, Istio's workload port). */
  readonly port: number;
}

export interface SecurityCounters {
  jwtRejected: number;
  authzDenied: number;
}

function authzRequest(ex: Exchange, port: number): AuthzRequest {
  return {
    principal: ex.principal,
    peerAddress: ex.clientAddress,
    port,
    method: ex.method,
    path: ex.path,
    host: ex.authority,
    header: (name) => ex.header(name),
    jwt: ex.jwt,
  };
}

function unauthorized(ex: Exchange, handler: Handler, body: string, invalid: boolean): void {
  localReply(handler, 401, ['content-type', 'text/plain', 'www-authenticate', wwwAuthenticate(ex.authority, ex.path, invalid)], body);
}

export function inboundSecurityStep(sec: InboundSecurity, counters: SecurityCounters): Step {
  const authorize = (next: Dispatch, ex: Exchange, handler: Handler): void => {
    if (!sec.authorizer.empty) {
      const decision = sec.authorizer.check(authzRequest(ex, sec.port));
      if (!decision.allowed) {
        counters.authzDenied++;
        localReply(handler, 403, ['content-type', 'text/plain', 'x-weft-denied-by', decision.policy], `RBAC: access denied (matched policy ${decision.policy})`);
        return;
      }
    }
    next(ex, handler);
  };
  return (next) => {
    if (sec.jwt.empty && sec.authorizer.empty) return next;
    return (ex, handler) => {
      if (sec.jwt.empty) return authorize(next, ex, handler);
      sec.jwt.authenticate(ex).then(
        (outcome) => {
          if (outcome.kind === 'rejected') {
            counters.jwtRejected++;
            return unauthorized(ex, handler, outcome.error.message, true);
          }
          if (outcome.kind === 'none' && sec.jwtRequired) {
            counters.jwtRejected++;
            return unauthorized(ex, handler, 'Jwt is missing', false);
          }
          if (outcome.kind === 'verified') ex.jwt = { principal: outcome.principal, claims: outcome.claims as Record<string, unknown> };
          authorize(next, ex, handler);
        },
        (error: Error) => handler.onError(error),
      );
    };
  };
}
