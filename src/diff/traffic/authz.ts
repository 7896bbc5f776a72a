import { serviceKey, type ServiceRef } from '../../model/common';
import type { MeshModel } from '../../model/mesh';
import type { AuthorizationRule, AuthzSource, AuthzTarget } from '../../model/security';
import type { Service } from '../../model/service';
import { clausesOf } from '../../model/match';
import { byCodePoint } from './describe';
import { lookupOf } from './lookup';
import { hostOfService } from './routing';

/**
 * Who calls: a declared service, a gateway, or a stand-in for workloads no rule names (`any
 * other workload`) and for a namespace a rule names (`any workload in <ns>`).
 */
export interface Caller {
  readonly label: string;
  readonly kind: 'service' | 'gateway' | 'other';
  readonly namespace?: string;
  readonly name?: string;
}

export interface Probe {
  readonly method: string;
  readonly path: string;
  /**
   * The end-user token the request carries: none (a plain mesh call), a valid JWT, or a valid JWT
   * with these claims. Probed only for a service that validates JWTs.
   */
  readonly jwt?: { readonly claims: Readonly<Record<string, readonly string[]>> };
}

/** `POST /orders`, `POST /orders with JWT`, `POST /orders with JWT scope=orders:write`. */
export function probeLabel(p: Probe): string {
  if (!p.jwt) return `${p.method} ${p.path}`;
  const claims = Object.keys(p.jwt.claims)
    .sort()
    .map((k) => `${k}=${p.jwt!.claims[k]!.join('|')}`);
  return `${p.method} ${p.path} with JWT${claims.length ? ` ${claims.join(' ')}` : ''}`;
}

export type AuthzOutcome = 'allowed' | 'denied' | 'denied (no JWT)' | 'no such service';

const callerOfService = (s: ServiceRef): Caller => ({ label: hostOfService(s), kind: 'service', namespace: s.namespace, name: s.name });

/**
 * The callers worth showing for `callee`: its mesh callers (declared `calls`, callers of routes
 * that forward or mirror to it, gateways that route to it), the services and namespaces its
 * rules name, and `any other workload`. Mirrors the Istio target's ALLOW policy, which admits
 * exactly the mesh callers' principals under deny-by-default.
 */
export function callersOf(model: MeshModel, callee: Service): Caller[] {
  const out = new Map<string, Caller>();
  const add = (c: Caller) => out.set(c.label, c);
  for (const s of meshCallers(model, callee)) add(s);
  for (const r of callee.security.authorization) {
    for (const s of r.from.services ?? []) add(callerOfService(s));
    for (const ns of r.from.namespaces ?? []) add({ label: `any workload in ${ns}`, kind: 'other', namespace: ns });
  }
  add({ label: 'any other workload', kind: 'other' });
  return [...out.values()];
}

const meshCallerCache = new WeakMap<MeshModel, Map<string, Caller[]>>();
const meshCallerLabelCache = new WeakMap<MeshModel, Map<string, Set<string>>>();

function meshCallerLabels(model: MeshModel, callee: Service): Set<string> {
  let cache = meshCallerLabelCache.get(model);
  if (!cache) meshCallerLabelCache.set(model, (cache = new Map()));
  let labels = cache.get(serviceKey(callee));
  if (!labels) cache.set(serviceKey(callee), (labels = new Set(meshCallers(model, callee).map((c) => c.label))));
  return labels;
}

function meshCallers(model: MeshModel, callee: Service): Caller[] {
  let cache = meshCallerCache.get(model);
  if (!cache) meshCallerCache.set(model, (cache = new Map()));
  const key = serviceKey(callee);
  let callers = cache.get(key);
  if (!callers) cache.set(key, (callers = computeMeshCallers(model, callee)));
  return callers;
}

function computeMeshCallers(model: MeshModel, callee: Service): Caller[] {
  const key = serviceKey(callee);
  const { callers, routesTo } = lookupOf(model);
  const out: Caller[] = [];
  for (const c of callers.get(key) ?? []) out.push(callerOfService(c));
  for (const route of routesTo.get(key) ?? []) {
    if (route.owner.kind === 'service') {
      if (serviceKey(route.owner.service) === key) continue;
      for (const c of callers.get(serviceKey(route.owner.service)) ?? []) out.push(callerOfService(c));
    } else {
      const name = route.owner.gateway;
      const g = model.gateways.find((x) => x.name === name);
      if (g) out.push({ label: `gateway ${g.name}`, kind: 'gateway', namespace: g.namespace, name: g.name });
    }
  }
  return out;
}

function samplePath(p: string): string {
  return p.endsWith('*') ? p.slice(0, -1) || '/' : p.startsWith('*') ? `/x${p.slice(1)}` : p;
}

/**
 * The requests probed per callee: each method × path its rules name, each method × path its
 * routes match (regex paths are skipped: no sample is certain to match), and `GET /`.
 */
export function probesOf(callee: Service): Probe[] {
  const out = new Map<string, Probe>();
  // A service that validates JWTs is probed without a token, with any valid token, and with a
  // token carrying the claims each rule asks for.
  const tokens: (Probe['jwt'] | undefined)[] = [undefined];
  if (callee.security.jwt.length) {
    tokens.push({ claims: {} });
    for (const r of callee.security.authorization) if (r.from.jwtClaims && Object.keys(r.from.jwtClaims).length) tokens.push({ claims: r.from.jwtClaims });
  }
  const add = (method: string, path: string) => {
    for (const jwt of tokens) {
      const p: Probe = { method, path, ...(jwt ? { jwt } : {}) };
      out.set(probeLabel(p), p);
    }
  };
  add('GET', '/');
  for (const r of callee.security.authorization) {
    const methods = r.to.methods?.length ? r.to.methods : ['GET'];
    const paths = r.to.paths?.length ? r.to.paths.map(samplePath) : ['/'];
    for (const m of methods) for (const p of paths) add(m, p);
  }
  for (const route of callee.routes)
    for (const c of clausesOf(route)) {
      if (c.path && 'regex' in c.path) continue;
      const path = c.path ? ('exact' in c.path ? c.path.exact : c.path.prefix || '/') : '/';
      for (const m of c.methods?.length ? c.methods : ['GET']) add(m, path);
    }
  return [...out.values()].sort((a, b) => byCodePoint(a.path, b.path) || byCodePoint(a.method, b.method) || byCodePoint(probeLabel(a), probeLabel(b)));
}

const UNIVERSAL_CIDRS = new Set(['0.0.0.0/0', '::/0']);

/**
 * Whether a rule's source holds for a caller's request: the caller's mesh identity, its
 * namespace, and the probe's token. A JWT condition holds when the token carries, for every
 * claim the rule names, one of the accepted values; `authenticated` holds for any valid token.
 * An IP block holds only when it is the whole address space, since a pod's address is not known
 * ahead of time.
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source
 * @see https://istio.io/latest/docs/reference/config/security/conditions/
 */
function sourceHolds(from: AuthzSource, caller: Caller, probe: Probe): boolean {
  if (from.services?.length && !(caller.kind === 'service' && from.services.some((s) => s.namespace === caller.namespace && s.name === caller.name))) return false;
  if (from.namespaces?.length && !(caller.namespace && from.namespaces.includes(caller.namespace))) return false;
  if (from.ipBlocks?.length && !from.ipBlocks.some((b) => UNIVERSAL_CIDRS.has(b))) return false;
  if (from.jwtClaims && Object.keys(from.jwtClaims).length) {
    const claims = probe.jwt?.claims;
    if (!claims || !Object.entries(from.jwtClaims).every(([k, accepted]) => (claims[k] ?? []).some((v) => accepted.includes(v)))) return false;
  }
  if (from.authenticated && !probe.jwt) return false;
  return true;
}

/** Istio path semantics: exact, `prefix*`, `*suffix`. @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Operation */
function targetHolds(to: AuthzTarget, probe: Probe, callee: Service): boolean {
  if (to.methods?.length && !to.methods.includes(probe.method)) return false;
  if (to.paths?.length && !to.paths.some((p) => (p.endsWith('*') ? probe.path.startsWith(p.slice(0, -1)) : p.startsWith('*') ? probe.path.endsWith(p.slice(1)) : p === probe.path))) return false;
  const port = callee.ports[0];
  if (to.ports?.length && !(port && (to.ports.includes(port.port) || to.ports.includes(port.targetPort)))) return false;
  return true;
}

const holds = (r: AuthorizationRule, caller: Caller, probe: Probe, callee: Service) => sourceHolds(r.from, caller, probe) && targetHolds(r.to, probe, callee);

/**
 * The decision for one caller's request to one service, in Istio's order: a matching DENY rule
 * denies; a required JWT denies a request without one; under deny-by-default the request must
 * come from a mesh caller or match an ALLOW rule; under allow-all it passes. It is the Istio
 * target's AuthorizationPolicy semantics, evaluated on the model.
 * @see https://istio.io/latest/docs/concepts/security/#implicit-enablement
 */
export function decide(model: MeshModel, callerLabel: Caller, calleeKey: string, probe: Probe): AuthzOutcome {
  const callee = lookupOf(model).byKey.get(calleeKey);
  if (!callee) return 'no such service';
  const rules = callee.security.authorization;
  if (rules.some((r) => r.action === 'deny' && holds(r, callerLabel, probe, callee))) return 'denied';
  // A required JWT: requests without one are denied (the Istio target's `notRequestPrincipals: ["*"]` DENY policy).
  if (!probe.jwt && callee.security.jwt.some((j) => j.required)) return 'denied (no JWT)';
  if (model.security.authorization === 'allow-all') return 'allowed';
  if (meshCallerLabels(model, callee).has(callerLabel.label)) return 'allowed';
  return rules.some((r) => r.action === 'allow' && holds(r, callerLabel, probe, callee)) ? 'allowed' : 'denied';
}
