import type { Construct } from 'constructs';
import type { AuthorizationRule as AuthorizationRuleModel, JwtRule as JwtRuleModel } from '../model/security';
import type { Slo as SloModel } from '../model/observability';
import { WeftConstruct } from './base';
import { authorizationPropsSchema, type AuthorizationProps, jwtPropsSchema, type JwtProps, sloPropsSchema, type SloProps } from './props/security';

export type { AuthorizationProps, JwtProps, SloProps } from './props/security';

/**
 * Allows (or denies) requests to a service from given sources to given operations.
 * Created with `service.allow(name, props)` or `service.deny(name, props)`.
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/
 * @see https://developer.hashicorp.com/consul/docs/connect/config-entries/service-intentions
 */
export class AuthorizationRule extends WeftConstruct {
  private readonly props?: ReturnType<typeof authorizationPropsSchema.parse>;

  constructor(scope: Construct, name: string, props: AuthorizationProps, private readonly action: 'allow' | 'deny') {
    super(scope, name, `${action}:`, 'dns-label', `${action} rule`);
    this.props = this.parseProps(authorizationPropsSchema, props, `${action} rule`);
  }

  /** @internal */
  _toModel(): AuthorizationRuleModel | undefined {
    if (!this.props) return undefined;
    return { path: this.constructPath, location: this.location, name: this.declaredName.replace(/^\w+:/, ''), action: this.action, ...this.props };
  }
}

/**
 * Requires and validates JWTs on requests to a service. Created with `service.requireJwt(name, props)`.
 * @see https://istio.io/latest/docs/reference/config/security/request_authentication/
 * @see https://developer.hashicorp.com/consul/docs/connect/config-entries/jwt-provider
 */
export class JwtRule extends WeftConstruct {
  private readonly props?: ReturnType<typeof jwtPropsSchema.parse>;

  constructor(scope: Construct, name: string, props: JwtProps) {
    super(scope, name, 'jwt:', 'dns-label', 'JWT rule');
    this.props = this.parseProps(jwtPropsSchema, props, 'JWT rule');
  }

  /** @internal */
  _toModel(): JwtRuleModel | undefined {
    const p = this.props;
    if (!p) return undefined;
    return {
      path: this.constructPath,
      location: this.location,
      name: this.declaredName.replace(/^jwt:/, ''),
      issuer: p.issuer,
      jwksUri: p.jwksUri,
      jwks: p.jwks,
      audiences: p.audiences,
      fromHeaders: p.fromHeaders,
      fromParams: p.fromParams,
      forwardOriginalToken: p.forwardOriginalToken,
      required: p.required,
    };
  }
}

/** A service-level objective. Created with `service.slo(name, props)`. */
export class Slo extends WeftConstruct {
  private readonly props?: ReturnType<typeof sloPropsSchema.parse>;

  constructor(scope: Construct, name: string, props: SloProps) {
    super(scope, name, 'slo:', 'dns-label', 'SLO');
    this.props = this.parseProps(sloPropsSchema, props, 'SLO');
  }

  /** @internal */
  _toModel(): SloModel | undefined {
    const p = this.props;
    if (!p) return undefined;
    return {
      path: this.constructPath,
      location: this.location,
      name: this.declaredName.replace(/^slo:/, ''),
      windowDays: p.windowDays,
      objective:
        p.availability !== undefined
          ? { kind: 'availability', targetPercent: p.availability }
          : { kind: 'latency', thresholdMs: p.latency!.threshold, targetPercent: p.latency!.percent },
    };
  }
}
