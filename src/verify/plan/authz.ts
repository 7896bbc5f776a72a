/**
 * The model's authorization, evaluated for one cell of the matrix (caller identity × callee ×
 * request): Istio's order — a matching DENY rule denies; else, when the callee is under
 * deny-by-default or has ALLOW rules, a matching ALLOW rule (or, under deny-by-default, being a
 * declared caller) is needed. Declared callers are the services that call the callee and the
 * callers of services whose routes forward or mirror to it (their sidecars send the request).
 * Sources: services (identity), namespaces (from the identity), ipBlocks (the loopback peer),
 * jwtClaims / authenticated (the probe's token); operations: methods, paths (`prefix*`), ports.
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#AuthorizationPolicy-Action
 */
import { serviceKey, type ServiceRef } from '../../model/common';
import type { MeshModel } from '../../model/mesh';
import { grantsOf } from '../../model/grants';
import type { AuthorizationRule } from '../../model/security';
import type { Service } from '../../model/service';
import { sameRef } from './route-eval';

export interface AuthzCell {
  /** The calling identity; undefined = a peer without a mesh identity. */
  caller?: Service;
  method: string;
  path: string;
  /** Claims the probe's token carries (none = no token). */
  claims?: Record<string, string[]>;
  /** The destination port of a TCP connection (rules' `to.ports`); undefined for HTTP cells. */
  port?: number;
}

function ipMatches(block: string, ip: string): boolean {
  const [net, bits] = block.split('/');
  if (!net || net.includes(':') || ip.includes(':')) return false;
  const n = Number(bits ?? 32);
  const toInt = (a: string) => a.split('.').reduce((x, o) => (x << 8) + Number(o), 0) >>> 0;
  const mask = n === 0 ? 0 : (~0 << (32 - n)) >>> 0;
  return (toInt(net) & mask) === (toInt(ip) & mask);
}

function pathMatches(pattern: string, path: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('*')) return path.startsWith(pattern.slice(0, -1));
  if (pattern.startsWith('*')) return path.endsWith(pattern.slice(1));
  return path === pattern;
}

export function ruleMatches(rule: AuthorizationRule, cell: AuthzCell, peerIp = '127.0.0.1'): boolean {
  const f = rule.from;
  if (f.services && !(cell.caller && f.services.some((s) => sameRef(s, cell.caller!)))) return false;
  if (f.namespaces && !(cell.caller && f.namespaces.includes(cell.caller.namespace))) return false;
  if (f.ipBlocks && !f.ipBlocks.some((b) => ipMatches(b, peerIp))) return false;
  if (f.authenticated && !cell.claims) return false;
  if (f.jwtClaims && !Object.entries(f.jwtClaims).every(([k, vs]) => (cell.claims?.[k] ?? []).some((v) => vs.includes(v)))) return false;
  const t = rule.to;
  if (t.methods && !t.methods.includes(cell.method)) return false;
  if (t.paths && !t.paths.some((p) => pathMatches(p, cell.path))) return false;
  if (t.ports && cell.port !== undefined && !t.ports.includes(cell.port)) return false;
  return true;
}

/** Fields a TCP connection has no value for: the request's method and path, and its JWT. */
function usesHttpFields(rule: AuthorizationRule): boolean {
  return rule.to.methods !== undefined || rule.to.paths !== undefined || rule.from.jwtClaims !== undefined || rule.from.authenticated !== undefined;
}

/**
 * The reading of a rule for a TCP connection (Istio's, which the weft proxy's L4 authorizer
 * follows, src/proxy/security/l4-authorization.ts): an ALLOW rule with an HTTP-only field never
 * matches; a DENY rule matches without those fields (the more restrictive reading).
 * @see https://istio.io/latest/docs/tasks/security/authorization/authz-tcp/
 */
function forConnection(rules: readonly AuthorizationRule[]): AuthorizationRule[] {
  return rules.flatMap((r) => {
    if (!usesHttpFields(r)) return [r];
    if (r.action === 'allow') return [];
    const { jwtClaims: _claims, authenticated: _authenticated, ...from } = r.from;
    return [{ ...r, from, to: r.to.ports ? { ports: r.to.ports } : {} }];
  });
}

export function declaredCallers(model: MeshModel, callee: ServiceRef): Service[] {
  const calls = (s: Service, target: ServiceRef) => s.calls.some((c) => c.target.kind === 'service' && sameRef(c.target.service, target));
  const out = model.services.filter((s) => calls(s, callee));
  for (const owner of model.services) {
    if (sameRef(owner, callee)) continue;
    const reaches = owner.routes.some(
      (r) => (r.action.kind === 'forward' && r.action.destinations.some((d) => sameRef(d.service, callee))) || (r.mirror !== undefined && sameRef(r.mirror.destination.service, callee)),
    );
    if (reaches) for (const c of model.services.filter((s) => calls(s, owner))) if (!out.includes(c)) out.push(c);
  }
  return out;
}

export type Decision = { allowed: boolean; because: string };

/** `cell.port` set: a TCP connection, judged by the rules' L4 reading (forConnection). */
export function authorize(model: MeshModel, callee: Service, cell: AuthzCell): Decision {
  const connection = cell.port !== undefined;
  const rules = connection ? forConnection(callee.security.authorization) : callee.security.authorization;
  const deny = rules.find((r) => r.action === 'deny' && ruleMatches(r, cell));
  if (deny) return { allowed: false, because: `deny rule "${deny.name}"` };
  const allows = rules.filter((r) => r.action === 'allow');
  const denyByDefault = model.security.authorization === 'deny-by-default';
  // An ALLOW policy whose rules are all HTTP rules still exists for a connection: it admits nothing.
  if (!denyByDefault && !callee.security.authorization.some((r) => r.action === 'allow')) return { allowed: true, because: 'allow-all, no allow rule' };
  // Narrowed calls (model/grants.ts) are allow rules, and replace the narrowed caller's "declares calls" grant.
  const grants = denyByDefault ? grantsOf(model, callee) : undefined;
  const granted = connection ? forConnection(grants?.rules ?? []) : (grants?.rules ?? []);
  const allow = [...granted, ...allows].find((r) => ruleMatches(r, cell));
  if (allow) return { allowed: true, because: `allow rule "${allow.name}"` };
  const narrowed = cell.caller !== undefined && grants !== undefined && grants.narrowed.has(serviceKey(cell.caller));
  if (denyByDefault && cell.caller && !narrowed && declaredCallers(model, callee).some((c) => sameRef(c, cell.caller!))) return { allowed: true, because: `"${cell.caller.name}" declares calls to "${callee.name}"` };
  return { allowed: false, because: denyByDefault ? 'deny-by-default: no allow rule and not a declared caller' : 'no allow rule matches' };
}
