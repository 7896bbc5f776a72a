/**
 * The `security` part of one workload's proxy config, with the same meaning as the Istio
 * target's PeerAuthentication / RequestAuthentication / AuthorizationPolicy objects:
 * - mTLS: the service's mode (else the mesh's), the certificate files cert-manager maintains
 *   (identity.ts), the mesh trust domain. Every workload of a mesh that uses mTLS carries its
 *   identity, also a DISABLE one, because it still calls mTLS services.
 * - JWT rules as declared; `required` on any rule makes a token required (401 without one —
 *   Istio answers 403 through a DENY policy on `notRequestPrincipals`; Envoy's jwt_authn
 *   `requires` gives the 401 the weft proxy gives).
 * - deny-by-default: Istio's `allow-nothing` baseline plus one ALLOW policy per service with its
 *   mesh callers' principals (services that call it, and callers of services whose routes
 *   forward or mirror to it — their sidecars send the request) and its declared allow rules;
 *   always: its deny rules in a DENY policy.
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/
 * @see https://istio.io/latest/docs/ops/best-practices/security/#use-default-deny-patterns
 */
import { serviceKey, type ServiceRef } from '../../model/common';
import { callGraphOf } from '../../model/calls';
import { grantsOf } from '../../model/grants';
import { claimConditionKey } from '../../model/jwt-claims';
import { reachOf } from '../../model/reach';
import type { Gateway, MeshModel } from '../../model/mesh';
import { memoized } from '../../model/memo';
import { gatewayAsCaller } from './gateway';
import type { ModelIndex } from '../../model/query';
import type { AuthorizationRule, JwtRule } from '../../model/security';
import type { Service } from '../../model/service';
import type { ProxyConfigInput } from '../../proxy/config/schema';
import { principalOf } from '../naming';
import { CERT_FILES, meshUsesMtls, mtlsModeOf } from './identity';

type SecurityInput = NonNullable<ProxyConfigInput['security']>;
type PolicyInput = NonNullable<NonNullable<SecurityInput['authorization']>['policies']>[number];
type RuleInput = NonNullable<PolicyInput['rules']>[number];

/** Principals of the workloads whose proxies send requests to `target` (see the file comment). */
export function weftCallersOf(model: MeshModel, target: Service): string[] {
  const graph = callGraphOf(model);
  const key = serviceKey(target);
  const out: string[] = [];
  const add = (s: Service) => {
    const p = principalOf(model, s);
    if (!out.includes(p)) out.push(p);
  };
  for (const c of graph.callersOf(target)) add(c);
  // Routes that forward or mirror to `target`, from the per-environment reach index
  // (src/model/reach.ts), so that this stays linear in the services of the mesh.
  const gateways = gatewaysByDelegate(model);
  for (const route of reachOf(model).routesTo(target)) {
    if (route.owner.kind === 'gateway') {
      const owner = route.owner.gateway;
      for (const g of model.gateways.filter((x) => x.name === owner)) add(gatewayAsCaller(g));
      continue;
    }
    // A gateway applies the routes of the services it forwards to (gateway-routes.ts): it sends what they route.
    for (const g of gateways.get(serviceKey(route.owner.service)) ?? []) add(gatewayAsCaller(g));
    if (serviceKey(route.owner.service) === key) continue;
    for (const c of graph.callersOf(route.owner.service)) add(c);
  }
  return out;
}

/** Gateways by the services their routes hand over to (a whole service, no version), once per model. */
const gatewaysByDelegate = memoized('weft-gateways-by-delegate', (model) => {
  const out = new Map<string, Gateway[]>();
  for (const g of model.gateways)
    for (const r of g.routes) {
      if (r.action.kind !== 'forward' || r.action.destinations.length !== 1 || r.action.destinations[0]!.version !== undefined) continue;
      const k = serviceKey(r.action.destinations[0]!.service);
      const list = out.get(k) ?? [];
      if (!list.includes(g)) list.push(g);
      out.set(k, list);
    }
  return out;
});

function principalOfRef(model: MeshModel, index: ModelIndex, ref: ServiceRef): string {
  // An unknown service is the analyzer's error; its would-be default account keeps the output total.
  return principalOf(model, index.service(ref) ?? { namespace: ref.namespace, serviceAccount: ref.name });
}

/** One declared rule as one policy rule; the set fields of `from` are ANDed in one source, as in Weft and Istio. */
function ruleOf(model: MeshModel, index: ModelIndex, service: Service, rule: AuthorizationRule): RuleInput {
  const f = rule.from;
  const source: Record<string, string[]> = {};
  if (f.services?.length) source.principals = f.services.map((r) => principalOfRef(model, index, r));
  if (f.namespaces?.length) source.namespaces = [...f.namespaces];
  if (f.ipBlocks?.length) source.ipBlocks = [...f.ipBlocks];
  if (f.authenticated) source.requestPrincipals = ['*'];
  const operation: Record<string, unknown> = {};
  if (rule.to.methods?.length) operation.methods = [...rule.to.methods];
  if (rule.to.paths?.length) operation.paths = [...rule.to.paths];
  // Istio matches the workload's port; a declared service port means the port it targets.
  if (rule.to.ports?.length) operation.ports = rule.to.ports.map((p) => service.ports.find((x) => x.port === p)?.targetPort ?? p);
  const when = f.jwtClaims ? Object.entries(f.jwtClaims).map(([claim, values]) => ({ key: claimConditionKey(claim), values: [...values] })) : [];
  return {
    ...(Object.keys(source).length ? { from: [{ source }] } : {}),
    ...(Object.keys(operation).length ? { to: [{ operation }] } : {}),
    ...(when.length ? { when } : {}),
  } as RuleInput;
}

function jwtRuleOf(j: JwtRule): NonNullable<SecurityInput['jwt']>[number] {
  return {
    name: j.name,
    issuer: j.issuer,
    audiences: [...j.audiences],
    ...(j.jwksUri !== undefined ? { jwksUri: j.jwksUri } : {}),
    ...(j.jwks !== undefined ? { jwks: j.jwks } : {}),
    fromHeaders: j.fromHeaders.map((h) => ({ name: h.name, prefix: h.prefix ?? '' })),
    fromParams: [...j.fromParams],
    forwardOriginalToken: j.forwardOriginalToken,
  };
}

export function securityConfig(ctx: { readonly model: MeshModel; readonly index: ModelIndex }, service: Service): SecurityInput | undefined {
  const { model, index } = ctx;
  const out: SecurityInput = {};
  if (meshUsesMtls(model)) out.mtls = { mode: mtlsModeOf(model, service).toUpperCase() as 'STRICT' | 'PERMISSIVE' | 'DISABLE', trustDomain: model.trustDomain, files: { ...CERT_FILES } };
  if (service.security.jwt.length > 0) {
    out.jwt = service.security.jwt.map(jwtRuleOf);
    if (service.security.jwt.some((j) => j.required)) out.jwtRequired = true;
  }
  const policies: PolicyInput[] = [];
  const ns = service.namespace;
  if (model.security.authorization === 'deny-by-default') {
    policies.push({ name: 'allow-nothing', namespace: ns, action: 'ALLOW', rules: [] });
    const rules: RuleInput[] = [];
    // A narrowed caller (model/grants.ts) is admitted by its rules only, as in the Istio target.
    const grants = grantsOf(model, service);
    const narrowed = new Set(grants.narrowedCallers.map((ref) => principalOfRef(model, index, ref)));
    const callers = weftCallersOf(model, service).filter((p) => !narrowed.has(p));
    if (callers.length) rules.push({ from: [{ source: { principals: callers } }] });
    for (const r of grants.rules) rules.push(ruleOf(model, index, service, r));
    for (const r of service.security.authorization.filter((x) => x.action === 'allow')) rules.push(ruleOf(model, index, service, r));
    if (rules.length) policies.push({ name: service.name, namespace: ns, action: 'ALLOW', rules });
  }
  const denies = service.security.authorization.filter((x) => x.action === 'deny');
  if (denies.length) policies.push({ name: `${service.name}-deny`, namespace: ns, action: 'DENY', rules: denies.map((r) => ruleOf(model, index, service, r)) });
  // `jwtRequired` answers 401 to a request without any token; a token from an issuer that is
  // validated but not required must not satisfy "required" either (Istio target: the same DENY).
  const required = service.security.jwt.filter((j) => j.required);
  if (required.length && required.length < service.security.jwt.length)
    policies.push({ name: `${service.name}-require-jwt`, namespace: ns, action: 'DENY', rules: [{ from: [{ source: { notRequestPrincipals: [...new Set(required.map((j) => `${j.issuer}/*`))] } }] }] });
  if (policies.length) out.authorization = { policies };
  return Object.keys(out).length ? out : undefined;
}
