/**
 * Authorization of a TCP connection, with Istio's semantics for HTTP-only fields on TCP traffic:
 * a rule that uses one (methods, paths, hosts, requestPrincipals, `request.*` conditions) never
 * matches in an ALLOW policy — so a TCP workload whose only ALLOW rules are HTTP rules is denied —
 * and matches without that field in a DENY policy (the more restrictive reading). The L4 facts
 * are the verified peer principal and its namespace, the peer address (remote.ip is the same:
 * there is no x-forwarded-for on raw TCP) and the destination port.
 * @see https://istio.io/latest/docs/tasks/security/authorization/authz-tcp/
 * @see https://istio.io/latest/docs/reference/config/security/conditions/
 */
import type { AuthorizationConfig, AuthzOperationConfig, AuthzPolicyConfig, AuthzRuleConfig, AuthzSourceConfig } from '../config/security-schema';
import { Authorizer, type AuthzDecision } from './authz';

const HTTP_SOURCE_FIELDS = ['requestPrincipals', 'notRequestPrincipals'] as const;
const HTTP_OPERATION_FIELDS = ['hosts', 'notHosts', 'methods', 'notMethods', 'paths', 'notPaths'] as const;
const isHttpCondition = (key: string): boolean => key.startsWith('request.');

function usesHttpFields(rule: AuthzRuleConfig): boolean {
  return (
    (rule.from ?? []).some(({ source }) => HTTP_SOURCE_FIELDS.some((k) => source[k] !== undefined)) ||
    (rule.to ?? []).some(({ operation }) => HTTP_OPERATION_FIELDS.some((k) => operation[k] !== undefined)) ||
    (rule.when ?? []).some((c) => isHttpCondition(c.key))
  );
}

function withoutHttpFields(rule: AuthzRuleConfig): AuthzRuleConfig {
  const source = (s: AuthzSourceConfig): AuthzSourceConfig => Object.fromEntries(Object.entries(s).filter(([k]) => !(HTTP_SOURCE_FIELDS as readonly string[]).includes(k)));
  const operation = (o: AuthzOperationConfig): AuthzOperationConfig => Object.fromEntries(Object.entries(o).filter(([k]) => !(HTTP_OPERATION_FIELDS as readonly string[]).includes(k)));
  const when = rule.when?.filter((c) => !isHttpCondition(c.key));
  return {
    ...(rule.from ? { from: rule.from.map((f) => ({ source: source(f.source) })) } : {}),
    ...(rule.to ? { to: rule.to.map((t) => ({ operation: operation(t.operation) })) } : {}),
    ...(when && when.length > 0 ? { when } : {}),
  };
}

/** The L4 reading of a policy: ALLOW drops rules with HTTP-only fields, DENY drops those fields. */
export function l4Policy(policy: AuthzPolicyConfig): AuthzPolicyConfig {
  const rules = policy.action === 'ALLOW' ? policy.rules.filter((r) => !usesHttpFields(r)) : policy.rules.map(withoutHttpFields);
  return { ...policy, rules };
}

export function l4Authorization(config: AuthorizationConfig): AuthorizationConfig {
  return { ...config, policies: config.policies.map(l4Policy) };
}

/** What an inbound TCP connection is authorized on. */
export interface L4Request {
  /** Verified peer identity without `spiffe://`; '' on plaintext. */
  principal: string;
  peerAddress: string;
  /** The destination port: the application's port (Istio matches the workload's target port). */
  port: number;
}

const NO_HEADER = (): undefined => undefined;

export class L4Authorizer {
  private readonly authorizer: Authorizer;

  constructor(config: AuthorizationConfig) {
    this.authorizer = new Authorizer(l4Authorization(config));
  }

  check(req: L4Request): AuthzDecision {
    return this.authorizer.check({ ...req, method: '', path: '/', host: '', header: NO_HEADER, jwt: null });
  }
}
