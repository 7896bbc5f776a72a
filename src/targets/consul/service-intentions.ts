import { serviceKey } from '../../model/common';
import { claimPath } from '../../model/jwt-claims';
import { grantsOf } from '../../model/grants';
import { callGraphOf } from '../../model/calls';
import type { AuthorizationRule, JwtRule } from '../../model/security';
import type { Service } from '../../model/service';
import { SyncWave } from '../sync-waves';
import type { Manifest } from '../target';
import { CONSUL_NAMESPACE, compact, consulName, crd, isL7, nonEmpty, type ConsulContext } from './common';

type Obj = Record<string, unknown>;
const ANY = '*';
/** An IPv4 or IPv6 block that contains every address: a rule from it is a rule from anyone. */
const EVERY_ADDRESS = new Set(['0.0.0.0/0', '::/0']);

interface SourcePlan {
  /** Deny permissions first: Consul evaluates a source's permissions in order, first match wins. */
  deny: Obj[];
  allow: Obj[];
  /** Every request of this source is allowed (a declared call) or denied (an L4 deny rule). */
  l4?: 'allow' | 'deny';
}

/**
 * ServiceIntentions per service, from the declared `calls` and authorization rules:
 * - under deny-by-default, every declared caller of a service, every caller of a service whose
 *   routes forward to it (Consul routes on the caller's side, so that caller's sidecar connects
 *   to this service), and every gateway that routes to it, may call it (L4 allow);
 * - allow and deny rules become L7 permissions (methods, exact paths, path prefixes for paths
 *   ending in `*`, JWT claims through the service's JWTProvider) on each named source, or on the
 *   wildcard source `*` when the rule names no service;
 * - an exact source name takes precedence over `*` in Consul, so the wildcard's permissions are
 *   repeated on every named source to keep "deny wins" and the wildcard allows;
 * - required JWTs are the intention's top-level `JWT` requirement.
 * The mesh-wide default-deny is one more intention, `*` → `*` deny (`defaultDeny`).
 * @see https://developer.hashicorp.com/consul/docs/connect/config-entries/service-intentions
 * @see https://developer.hashicorp.com/consul/docs/connect/intentions#precedence-and-match-order
 */
export function serviceIntentions(cc: ConsulContext): Manifest[] {
  const denyByDefault = cc.model.security.authorization === 'deny-by-default';
  const callers = callersByTarget(cc);
  const byNamespace = new Map<string, string[]>();
  for (const x of cc.model.services) (byNamespace.get(x.namespace) ?? (byNamespace.set(x.namespace, []), byNamespace.get(x.namespace)!)).push(consulName(x));
  const out: Manifest[] = [];
  for (const s of cc.model.services) {
    const sources = new Map<string, SourcePlan>();
    const source = (name: string) => sources.get(name) ?? (sources.set(name, { deny: [], allow: [] }), sources.get(name)!);
    // A narrowed caller (model/grants.ts) gets its rules' permissions instead of an L4 allow.
    const grants = grantsOf(cc.model, s);
    const narrowed = new Set(grants.narrowedCallers.map((ref) => consulName(cc.ctx.index.service(ref) ?? ref)));
    if (denyByDefault) for (const name of callers.get(serviceKey(s)) ?? []) if (!narrowed.has(name)) source(name).l4 = 'allow';
    if (denyByDefault) for (const rule of grants.rules) applyRule(cc, s, rule, source, byNamespace);
    for (const rule of s.security.authorization) applyRule(cc, s, rule, source, byNamespace);
    const wildcard = sources.get(ANY);
    if (wildcard) for (const [name, plan] of sources) if (name !== ANY) inherit(plan, wildcard);
    const jwt = requiredJwt(s.security.jwt);
    if (sources.size === 0 && !jwt) continue;
    const spec = compact({
      destination: { name: consulName(s) },
      jwt,
      sources: [...sources.entries()]
        .sort(([a], [b]) => (a === ANY ? 1 : b === ANY ? -1 : a.localeCompare(b)))
        .map(([name, plan]) => sourceEntry(name, plan, isL7(s)))
        .filter((e): e is Obj => e !== undefined),
    });
    if ((spec.sources as Obj[]).length === 0 && !jwt) continue;
    out.push(crd(cc.model, 'ServiceIntentions', consulName(s), s.namespace, s.name, SyncWave.foundation, spec));
  }
  for (const e of cc.model.externalServices) {
    const names = denyByDefault ? (callers.get(`external:${e.namespace}/${e.name}`) ?? []) : [];
    if (names.length === 0) continue;
    out.push(crd(cc.model, 'ServiceIntentions', e.name, e.namespace, e.name, SyncWave.foundation, { destination: { name: e.name }, sources: names.map((name) => ({ name, action: 'allow' })) }));
  }
  return out;
}

/**
 * The mesh-wide posture: under deny-by-default, a wildcard intention denies every source to every
 * destination unless a more precise intention allows it (the precedence table puts `*` → `*`
 * last). Consul's ACL default policy decides when no intention exists; this entry makes the
 * declared posture hold whatever that policy is.
 * @see https://developer.hashicorp.com/consul/docs/connect/intentions#intention-management-permissions
 */
export function defaultDeny(cc: ConsulContext): Manifest[] {
  if (cc.model.security.authorization !== 'deny-by-default') return [];
  return [crd(cc.model, 'ServiceIntentions', 'default-deny', CONSUL_NAMESPACE, cc.model.name, SyncWave.tightening, { destination: { name: ANY }, sources: [{ name: ANY, action: 'deny' }] })];
}

/** Consul names of the sources allowed by `calls` (and by routing through a called service), by target key. */
function callersByTarget(cc: ConsulContext): Map<string, string[]> {
  const graph = callGraphOf(cc.model);
  const out = new Map<string, Set<string>>();
  const add = (key: string, name: string) => (out.get(key) ?? (out.set(key, new Set()), out.get(key)!)).add(name);
  for (const s of cc.model.services)
    for (const c of s.calls) add(c.target.kind === 'service' ? serviceKey(c.target.service) : `external:${s.namespace}/${c.target.name}`, consulName(s));
  for (const s of cc.model.services)
    for (const route of s.routes) {
      if (route.action.kind !== 'forward') continue;
      for (const d of route.action.destinations)
        if (serviceKey(d.service) !== serviceKey(s)) for (const caller of graph.callersOf(s)) add(serviceKey(d.service), consulName(caller));
    }
  for (const g of cc.model.gateways)
    for (const route of g.routes) if (route.action.kind === 'forward') for (const d of route.action.destinations) add(serviceKey(d.service), g.name);
  return new Map([...out].map(([k, v]) => [k, [...v].sort()]));
}

function applyRule(cc: ConsulContext, s: Service, rule: AuthorizationRule, source: (name: string) => SourcePlan, byNamespace: ReadonlyMap<string, readonly string[]>): void {
  const f = rule.from;
  const fails = rule.action === 'deny' ? 'open' : 'closed';
  const notEnforced = (why: string, hint: string) =>
    cc.report('WEFT703', rule, `${rule.action} rule "${rule.name}" of service "${s.name}" ${why}, so Consul cannot enforce it (it fails ${fails}: ${rule.action === 'deny' ? 'the requests it denies are let through' : 'the requests it allows are denied'})`, hint, rule.action === 'deny' ? 'error' : 'warning');
  if (rule.to.ports?.length) return notEnforced('selects ports', 'Consul intentions apply to the whole service; drop the port condition or split the service');
  let names: string[];
  if (f.services?.length) names = f.services.filter((r) => !f.namespaces || f.namespaces.includes(r.namespace)).map((r) => r.name);
  else if (f.namespaces?.length) names = f.namespaces.flatMap((ns) => byNamespace.get(ns) ?? []);
  else if (f.ipBlocks?.length) {
    if (!(rule.action === 'deny' && f.ipBlocks.some((b) => EVERY_ADDRESS.has(b)))) return notEnforced('selects peers by IP block', 'Consul intentions match service identities; name the services or namespaces instead');
    // A deny from every address denies everyone: widening a deny to IPv6 peers fails closed.
    names = [ANY];
  } else names = [ANY];
  const permissions = rulePermissions(cc, s, rule);
  if (permissions === undefined) return;
  for (const name of [...new Set(names)].sort()) {
    const plan = source(name);
    if (permissions.length === 0) {
      if (rule.action === 'deny') plan.l4 = 'deny';
      else if (plan.l4 !== 'deny') plan.l4 = 'allow';
    } else (rule.action === 'deny' ? plan.deny : plan.allow).push(...permissions);
  }
}

/** L7 permissions of a rule (empty for an L4 rule), or undefined when a tcp service cannot take them. */
function rulePermissions(cc: ConsulContext, s: Service, rule: AuthorizationRule): Obj[] | undefined {
  const paths = rule.to.paths?.length ? rule.to.paths.map((p) => (p.endsWith('*') ? { pathPrefix: p.slice(0, -1) } : { pathExact: p })) : [undefined];
  const methods = nonEmpty(rule.to.methods ?? []);
  const jwts = jwtRequirements(s, rule);
  const l7 = rule.to.paths?.length || methods || jwts;
  if (!l7) return [];
  if (!isL7(s)) {
    cc.report('WEFT703', rule, `${rule.action} rule "${rule.name}" of service "${s.name}" sets HTTP conditions (methods, paths or JWT claims), but "${s.name}" speaks tcp, where Consul intentions are L4 only`, 'drop the HTTP conditions or declare the service http', rule.action === 'deny' ? 'error' : 'warning');
    return undefined;
  }
  const out: Obj[] = [];
  for (const path of paths)
    for (const jwt of jwts ?? [undefined]) {
      const http = compact({ ...(path ?? {}), methods });
      out.push(compact({ action: rule.action, http: Object.keys(http).length ? http : { pathPrefix: '/' }, jwt }));
    }
  return out;
}

/**
 * JWT conditions of a rule as `JWT.Providers` with `VerifyClaims`: one permission per provider
 * of the service and per combination of accepted claim values (values of one claim are ORed,
 * claims are ANDed).
 */
function jwtRequirements(s: Service, rule: AuthorizationRule): Obj[] | undefined {
  const claims = rule.from.jwtClaims;
  if (!claims && !rule.from.authenticated) return undefined;
  const combos: { path: string[]; value: string }[][] = [[]];
  for (const [claim, values] of Object.entries(claims ?? {})) {
    const next: { path: string[]; value: string }[][] = [];
    for (const c of combos) for (const value of values) next.push([...c, { path: claimPath(claim), value }]);
    combos.splice(0, combos.length, ...next);
  }
  return s.security.jwt.flatMap((provider) => combos.map((verifyClaims) => ({ providers: [compact({ name: provider.name, verifyClaims: nonEmpty(verifyClaims) })] })));
}

/** The service's required JWT providers: every request must carry a token one of them validates. */
function requiredJwt(rules: readonly JwtRule[]): Obj | undefined {
  const required = rules.filter((r) => r.required);
  return required.length ? { providers: required.map((r) => ({ name: r.name })) } : undefined;
}

function inherit(plan: SourcePlan, wildcard: SourcePlan): void {
  plan.deny.push(...wildcard.deny);
  plan.allow.push(...wildcard.allow);
  if (wildcard.l4 === 'deny') plan.l4 = 'deny';
}

/** One `Sources` entry: an L4 action, or permissions (denies, allows, then a catch-all allow for a declared caller). */
function sourceEntry(name: string, plan: SourcePlan, l7: boolean): Obj | undefined {
  if (plan.l4 === 'deny' || !l7 || (plan.deny.length === 0 && plan.allow.length === 0)) return plan.l4 ? { name, action: plan.l4 } : undefined;
  const permissions = [...plan.deny, ...plan.allow];
  if (plan.l4 === 'allow') permissions.push({ action: 'allow', http: { pathPrefix: '/' } });
  return { name, permissions };
}
