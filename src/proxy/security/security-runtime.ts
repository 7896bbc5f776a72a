/**
 * What the security config compiles into for one Runtime: the authorizer, the JWT
 * authenticator (with its JWKS caches) and the inbound step using both. Built per config and
 * closed with the runtime it belongs to.
 */
import type { SecurityConfig } from '../config/security-schema';
import type { Step } from '../pipeline/types';
import { Authorizer } from './authz';
import { inboundSecurityStep, type SecurityCounters } from './inbound-step';
import { JwtAuthenticator } from './jwt';

/**
 * JWT authenticators shared by runtimes with the same rules: a reload or a discovery update
 * builds a new Runtime, which must not refetch JWKS or lose its verified-token cache. Counted
 * references; the last runtime to stop closes it.
 */
const sharedJwt = new Map<string, { jwt: JwtAuthenticator; refs: number }>();

function acquireJwt(rules: SecurityConfig['jwt']): { key: string; jwt: JwtAuthenticator } {
  const key = JSON.stringify(rules);
  let entry = sharedJwt.get(key);
  if (!entry) sharedJwt.set(key, (entry = { jwt: new JwtAuthenticator(rules), refs: 0 }));
  entry.refs++;
  return { key, jwt: entry.jwt };
}

function releaseJwt(key: string): void {
  const entry = sharedJwt.get(key);
  if (!entry || --entry.refs > 0) return;
  sharedJwt.delete(key);
  entry.jwt.close();
}

export class SecurityRuntime {
  readonly authorizer: Authorizer;
  readonly jwt: JwtAuthenticator;
  readonly step: Step;
  private readonly jwtKey: string;
  private stopped = false;

  /** `counters`: shared by the listeners of one runtime, so /metrics reports one total. */
  constructor(config: SecurityConfig, appPort: number, readonly counters: SecurityCounters = { jwtRejected: 0, authzDenied: 0 }) {
    this.authorizer = new Authorizer(config.authorization);
    const { key, jwt } = acquireJwt(config.jwt);
    this.jwtKey = key;
    this.jwt = jwt;
    this.step = inboundSecurityStep({ authorizer: this.authorizer, jwt: this.jwt, jwtRequired: config.jwtRequired, port: appPort }, this.counters);
  }

  get active(): boolean {
    return !this.authorizer.empty || !this.jwt.empty;
  }

  /** Counters for /metrics (names follow weft_proxy_*). */
  metrics(): Record<string, number> {
    const out: Record<string, number> = {
      'weft_proxy_jwt_rejected_total': this.counters.jwtRejected,
      'weft_proxy_authz_denied_total': this.counters.authzDenied,
    };
    for (const s of this.jwt.keySetStats()) {
      out[`weft_proxy_jwks_fetches_total{rule="${s.rule}"}`] = s.fetches;
      out[`weft_proxy_jwks_fetch_failures_total{rule="${s.rule}"}`] = s.failures;
    }
    return out;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    releaseJwt(this.jwtKey);
  }
}
