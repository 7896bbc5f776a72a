/**
 * The inbound authorization engine, with the semantics of Istio's AuthorizationPolicy (CUSTOM
 * is not supported):
 * 1. if any DENY policy matches the request, deny;
 * 2. if the workload has no ALLOW policy, allow;
 * 3. if any ALLOW policy matches, allow; otherwise deny.
 * A policy matches when any of its rules matches; a rule when any `from` source, any `to`
 * operation and every `when` condition match (an absent field matches everything); a source or
 * operation when every field it sets matches (values within a field are ORed, `not*` fields
 * must match none). An ALLOW policy without rules matches nothing: that is Istio's
 * `allow-nothing`, i.e. deny-by-default.
 * Policies are compiled once per config into closures; a request is checked without allocation
 * beyond its normalized path.
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/
 * @see https://istio.io/latest/docs/concepts/security/#authorization-policies
 */
import type { AuthorizationConfig, AuthzConditionConfig, AuthzOperationConfig, AuthzPolicyConfig, AuthzSourceConfig } from '../config/security-schema';
import { cidrSet } from './cidr';
import { remoteAddress } from './client-address';
import { normalizePath } from './path-normalize';
import { anyOf, type ValuePredicate } from './wildcard';

/** What authorization looks at, gathered by the inbound listener (or a test). */
export interface AuthzRequest {
  /** Verified peer identity without `spiffe://` (`cluster.local/ns/a/sa/b`); '' when none. */
  principal: string;
  /** Direct peer address (the connection's remote address). */
  peerAddress: string;
  /** Destination (listener) port. */
  port: number;
  method: string;
  /** Path and query as received; normalized before matching. */
  path: string;
  host: string;
  header(name: string): string | undefined;
  /** Verified JWT: `iss/sub` and the payload; null without one. */
  jwt: { principal: string; claims: Record<string, unknown> } | null;
}

export interface AuthzDecision {
  allowed: boolean;
  /** Envoy's matched policy id `ns[<ns>]-policy[<name>]-rule[<i>]`, or `none`. */
  policy: string;
}

type Facts = {
  req: AuthzRequest;
  namespace: string;
  remote: string | null;
  path: string | null;
  trustedXffHops: number;
};
type Predicate = (f: Facts) => boolean;

const ALLOWED_NO_POLICY: AuthzDecision = Object.freeze({ allowed: true, policy: 'none' });
const DENIED_NO_MATCH: AuthzDecision = Object.freeze({ allowed: false, policy: 'none' });

/** `td/ns/<ns>/sa/<sa>` → `<ns>` (Istio derives `source.namespace` from the principal). */
export function namespaceOfPrincipal(principal: string): string {
  const m = /\/ns\/([^/]+)\/sa\//.exec(principal);
  return m ? m[1]! : '';
}

function remoteOf(f: Facts): string {
  if (f.remote === null) f.remote = remoteAddress(f.req.peerAddress, f.req.header('x-forwarded-for'), f.trustedXffHops);
  return f.remote;
}

function pathOf(f: Facts): string {
  if (f.path === null) f.path = normalizePath(f.req.path);
  return f.path;
}

/** `a.b` claims and `[a][b]` keys: walk into nested objects. */
export function claimValues(claims: Record<string, unknown> | undefined, keys: readonly string[]): string[] {
  let v: unknown = claims;
  for (const k of keys) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return [];
    v = (v as Record<string, unknown>)[k];
  }
  if (typeof v === 'string') return [v];
  if (typeof v === 'number' || typeof v === 'boolean') return [String(v)];
  // Istio supports string and list-of-string claims; scalars compare as their text.
  if (Array.isArray(v)) return v.filter((x) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean').map(String);
  return [];
}

function field(pos: readonly string[] | undefined, neg: readonly string[] | undefined, value: (f: Facts) => string, ignoreCase = false): Predicate[] {
  const out: Predicate[] = [];
  if (pos) {
    const m = anyOf(pos, ignoreCase);
    out.push((f) => m(value(f)));
  }
  if (neg) {
    const m = anyOf(neg, ignoreCase);
    out.push((f) => !m(value(f)));
  }
  return out;
}

function blocks(pos: readonly string[] | undefined, neg: readonly string[] | undefined, address: (f: Facts) => string): Predicate[] {
  const out: Predicate[] = [];
  if (pos) {
    const m = cidrSet(pos);
    out.push((f) => m(address(f)));
  }
  if (neg) {
    const m = cidrSet(neg);
    out.push((f) => !m(address(f)));
  }
  return out;
}

const all =
  (preds: readonly Predicate[]): Predicate =>
  (f) => {
    for (const p of preds) if (!p(f)) return false;
    return true;
  };
const any =
  (preds: readonly Predicate[]): Predicate =>
  (f) => {
    for (const p of preds) if (p(f)) return true;
    return false;
  };

function compileSource(s: AuthzSourceConfig): Predicate {
  return all([
    ...field(s.principals, s.notPrincipals, (f) => f.req.principal),
    ...field(s.requestPrincipals, s.notRequestPrincipals, (f) => f.req.jwt?.principal ?? ''),
    ...field(s.namespaces, s.notNamespaces, (f) => f.namespace),
    ...blocks(s.ipBlocks, s.notIpBlocks, (f) => f.req.peerAddress),
    ...blocks(s.remoteIpBlocks, s.notRemoteIpBlocks, remoteOf),
  ]);
}

const hostOnly = (host: string): string => {
  // Istio matches `hosts` against the Host header; a port in it is ignored when the pattern has none.
  const i = host.lastIndexOf(':');
  return i > 0 && !host.endsWith(']') && /^\d+$/.test(host.slice(i + 1)) ? host.slice(0, i) : host;
};

function compileOperation(o: AuthzOperationConfig): Predicate {
  const preds: Predicate[] = [
    ...field(o.methods, o.notMethods, (f) => f.req.method),
    ...field(o.paths, o.notPaths, pathOf),
  ];
  if (o.hosts || o.notHosts) {
    const pos = o.hosts ? anyOf(o.hosts, true) : null;
    const neg = o.notHosts ? anyOf(o.notHosts, true) : null;
    const matches = (m: ValuePredicate, host: string) => m(host) || m(hostOnly(host));
    if (pos) preds.push((f) => matches(pos, f.req.host));
    if (neg) preds.push((f) => !matches(neg, f.req.host));
  }
  if (o.ports) {
    const set = new Set(o.ports);
    preds.push((f) => set.has(f.req.port));
  }
  if (o.notPorts) {
    const set = new Set(o.notPorts);
    preds.push((f) => !set.has(f.req.port));
  }
  return all(preds);
}

/** `request.auth.claims[a][b]` → ['a', 'b']. */
function claimPath(key: string): string[] {
  return [...key.slice('request.auth.claims'.length).matchAll(/\[([^\]]+)\]/g)].map((m) => m[1]!);
}

function conditionValues(key: string): (f: Facts) => string[] {
  if (key.startsWith('request.auth.claims')) {
    const path = claimPath(key);
    return (f) => claimValues(f.req.jwt?.claims, path);
  }
  const header = /^request\.headers\[([^\]]+)\]$/.exec(key);
  if (header) {
    const name = header[1]!.toLowerCase();
    return (f) => {
      const v = f.req.header(name);
      return v === undefined ? [] : [v];
    };
  }
  switch (key) {
    case 'source.ip':
      return (f) => [f.req.peerAddress];
    case 'remote.ip':
      return (f) => [remoteOf(f)];
    case 'source.namespace':
      return (f) => (f.namespace ? [f.namespace] : []);
    case 'source.principal':
      return (f) => (f.req.principal ? [f.req.principal] : []);
    case 'request.auth.principal':
      return (f) => (f.req.jwt ? [f.req.jwt.principal] : []);
    case 'request.auth.audiences':
      return (f) => claimValues(f.req.jwt?.claims, ['aud']);
    case 'request.auth.presenter':
      return (f) => claimValues(f.req.jwt?.claims, ['azp']);
    case 'destination.port':
      return (f) => [String(f.req.port)];
  }
  // The schema admits only the keys above.
  throw new Error(`unsupported condition key ${key}`);
}

function compileCondition(c: AuthzConditionConfig): Predicate {
  const valuesOf = conditionValues(c.key);
  const ip = c.key === 'source.ip' || c.key === 'remote.ip';
  const toMatcher = (list: readonly string[]): ValuePredicate => (ip ? cidrSet(list) : anyOf(list));
  const pos = c.values ? toMatcher(c.values) : null;
  const neg = c.notValues ? toMatcher(c.notValues) : null;
  return (f) => {
    const vs = valuesOf(f);
    if (pos && !vs.some(pos)) return false;
    if (neg && vs.some(neg)) return false;
    return true;
  };
}

interface CompiledPolicy {
  readonly rules: readonly Predicate[];
  readonly id: (rule: number) => string;
}

function compilePolicy(p: AuthzPolicyConfig): CompiledPolicy {
  const rules = p.rules.map((r) => {
    const parts: Predicate[] = [];
    if (r.from) parts.push(any(r.from.map((x) => compileSource(x.source))));
    if (r.to) parts.push(any(r.to.map((x) => compileOperation(x.operation))));
    if (r.when) parts.push(all(r.when.map(compileCondition)));
    return all(parts);
  });
  return { rules, id: (i) => `ns[${p.namespace}]-policy[${p.name}]-rule[${i}]` };
}

function firstMatch(policies: readonly CompiledPolicy[], f: Facts): string | null {
  for (const p of policies) for (let i = 0; i < p.rules.length; i++) if (p.rules[i]!(f)) return p.id(i);
  return null;
}

export class Authorizer {
  private readonly deny: CompiledPolicy[];
  private readonly allow: CompiledPolicy[];
  private readonly trustedXffHops: number;

  constructor(config: AuthorizationConfig) {
    this.deny = config.policies.filter((p) => p.action === 'DENY').map(compilePolicy);
    this.allow = config.policies.filter((p) => p.action === 'ALLOW').map(compilePolicy);
    this.trustedXffHops = config.trustedXffHops;
  }

  /** True when no policy applies, so the check can be skipped on the hot path. */
  get empty(): boolean {
    return this.deny.length === 0 && this.allow.length === 0;
  }

  check(req: AuthzRequest): AuthzDecision {
    const f: Facts = { req, namespace: namespaceOfPrincipal(req.principal), remote: null, path: null, trustedXffHops: this.trustedXffHops };
    const denied = firstMatch(this.deny, f);
    if (denied !== null) return { allowed: false, policy: denied };
    if (this.allow.length === 0) return ALLOWED_NO_POLICY;
    const allowed = firstMatch(this.allow, f);
    return allowed !== null ? { allowed: true, policy: allowed } : DENIED_NO_MATCH;
  }
}
