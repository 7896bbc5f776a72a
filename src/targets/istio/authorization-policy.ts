import { serviceKey, type ServiceRef } from '../../model/common';
import type { Gateway, MeshModel } from '../../model/mesh';
import type { AuthorizationRule, JwtRule } from '../../model/security';
import type { Service } from '../../model/service';
import type { Route } from '../../model/traffic';
import { gatewayWorkload } from '../../model/gateway-workload';
import { grantsOf } from '../../model/grants';
import { claimConditionKey } from '../../model/jwt-claims';
import { reachOf } from '../../model/reach';
import { principalOf } from '../naming';
import { SyncWave } from '../sync-waves';
import type { Manifest } from '../target';
import { API, compact, manifest, workloadSelector, type IstioContext } from './common';
import { carriedDestination } from './gateway-routes';

type Obj = Record<string, unknown>;

/** The service account of a gateway's pods (src/model/gateway-workload.ts). */
export function ingressGatewayServiceAccount(g: Pick<Gateway, 'selector' | 'workload'>): string {
  return gatewayWorkload(g).serviceAccount;
}

/**
 * The principal of a gateway's workload: its pods' namespace and service account, which are not
 * the Gateway resource's namespace (Istio's default install runs them in `istio-system`).
 * @see https://istio.io/latest/docs/tasks/security/authorization/authz-ingress/
 */
export function gatewayPrincipal(model: Pick<MeshModel, 'trustDomain'>, g: Pick<Gateway, 'selector' | 'workload'>): string {
  const w = gatewayWorkload(g);
  return `${model.trustDomain}/ns/${w.namespace}/sa/${w.serviceAccount}`;
}

function principalOfRef(ic: IstioContext, ref: ServiceRef): string {
  const s = ic.ctx.index.service(ref);
  // An unknown service is reported by the analyzer; its would-be default account keeps the output total.
  return principalOf(ic.model, s ?? { namespace: ref.namespace, serviceAccount: ref.name });
}

/**
 * Peer identities that reach `target` through the mesh: services that declare it in `calls`,
 * callers of services whose routes forward or mirror to it (their sidecars send the request),
 * and the gateways whose routes send to it.
 */
export function meshCallersOf(ic: IstioContext, target: Service): string[] {
  const { model } = ic;
  const key = serviceKey(target);
  // Callers and routes come from the per-environment reach index (src/model/reach.ts), so
  // that this stays linear in the services of the mesh.
  const reach = reachOf(model);
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (p: string) => {
    if (!seen.has(p)) {
      seen.add(p);
      out.push(p);
    }
  };
  const callersOf = (ref: ServiceRef) => reach.callersOf(ref);
  const addGateway = (route: Route) => {
    if (route.owner.kind !== 'gateway') return;
    const name = route.owner.gateway;
    const g = model.gateways.find((x) => x.name === name);
    if (g) add(gatewayPrincipal(model, g));
  };
  for (const c of callersOf(target)) add(principalOf(model, c));
  for (const route of reach.routesTo(target)) {
    if (route.owner.kind === 'service') {
      // A service's routes are also applied by the gateways that send to it (gateway-routes.ts):
      // the gateway then forwards or mirrors to `target` itself.
      for (const r of reach.routesTo(route.owner.service)) if (carriedDestination(r)) addGateway(r);
      if (serviceKey(route.owner.service) === key) continue;
      for (const c of callersOf(route.owner.service)) add(principalOf(model, c));
    } else {
      addGateway(route);
    }
  }
  return out;
}

/**
 * Istio matches `operation.ports` against the port of the connection as the workload's sidecar
 * receives it, which is the container port (the Service's `targetPort`), not the Service port a
 * caller dialled. A rule written with the Service port (as Weft's rules are) is translated.
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Operation
 */
export function workloadPorts(ports: readonly number[], service: Pick<Service, 'ports'> | undefined): string[] {
  const out = ports.map((n) => String(service?.ports.find((p) => p.port === n)?.targetPort ?? n));
  return [...new Set(out)];
}

/** One Weft rule as one Istio rule: set fields of `from` are ANDed in one source, as in Weft. */
export function authzRule(ic: IstioContext, rule: AuthorizationRule, service?: Pick<Service, 'ports'>): Obj {
  const f = rule.from;
  const source = compact({
    principals: f.services?.length ? f.services.map((r) => principalOfRef(ic, r)) : undefined,
    namespaces: f.namespaces?.length ? f.namespaces : undefined,
    ipBlocks: f.ipBlocks?.length ? f.ipBlocks : undefined,
    requestPrincipals: f.authenticated ? ['*'] : undefined,
  });
  const operation = compact({
    methods: rule.to.methods?.length ? rule.to.methods : undefined,
    paths: rule.to.paths?.length ? rule.to.paths : undefined,
    ports: rule.to.ports?.length ? workloadPorts(rule.to.ports, service) : undefined,
  });
  // JWT claims are conditions on the validated token.
  // @see https://istio.io/latest/docs/reference/config/security/conditions/
  // A nested claim (`realm_access[roles]`) is `request.auth.claims[realm_access][roles]` (model/jwt-claims.ts).
  const when = f.jwtClaims ? Object.entries(f.jwtClaims).map(([claim, values]) => ({ key: claimConditionKey(claim), values })) : undefined;
  return compact({
    from: Object.keys(source).length ? [{ source }] : undefined,
    to: Object.keys(operation).length ? [{ operation }] : undefined,
    when: when?.length ? when : undefined,
  });
}

/**
 * The request principals that satisfy a required JWT: `<iss>/<sub>` of a token from one of the
 * REQUIRED issuers. `["*"]` would accept a token from any issuer the RequestAuthentication
 * validates, so a token from an optional second issuer would satisfy "required".
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source (requestPrincipals: `<ISS>/<SUB>`)
 * @see https://istio.io/latest/docs/tasks/security/authentication/authn-policy/#require-valid-tokens-per-path
 */
export function requiredPrincipals(required: readonly Pick<JwtRule, 'issuer'>[]): string[] {
  return [...new Set(required.map((j) => `${j.issuer}/*`))];
}

/**
 * - deny-by-default: an `allow-nothing` policy (empty spec) in every namespace with services —
 *   not in the root namespace, where it would also cut off the ingress gateway — plus, per
 *   service, one ALLOW policy: its mesh callers' and gateways' principals, then its declared
 *   allow rules. The allow-nothing baseline and every DENY policy are applied in the
 *   `tightening` wave, after the ALLOW policies and the routes (src/targets/sync-waves.ts), so
 *   a first sync never denies traffic that is meant to pass.
 * - allow-all: no ALLOW policy at all (one would deny everything it does not list).
 * - always: declared deny rules in a DENY policy, and for a required JWT, a DENY policy for
 *   requests without a valid token from a required issuer (`notRequestPrincipals: ["<iss>/*"]`).
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/
 * @see https://istio.io/latest/docs/ops/best-practices/security/#use-default-deny-patterns
 * @see https://istio.io/latest/docs/tasks/security/authentication/authn-policy/#require-a-valid-token
 */
export function authorizationPolicies(ic: IstioContext): Manifest[] {
  const { model } = ic;
  const denyByDefault = model.security.authorization === 'deny-by-default';
  const out: Manifest[] = [];
  if (denyByDefault)
    for (const ns of ic.ctx.index.namespaces())
      if (model.services.some((s) => s.namespace === ns))
        out.push(manifest(ic, API.security, 'AuthorizationPolicy', 'allow-nothing', ns, 'mesh', SyncWave.tightening, {}));

  for (const s of model.services) {
    const selector = workloadSelector(s);
    if (denyByDefault) {
      // A narrowed caller (model/grants.ts) is admitted by its rules only, not by the callers' rule.
      const grants = grantsOf(model, s);
      const narrowed = new Set(grants.narrowedCallers.map((ref) => principalOfRef(ic, ref)));
      const callers = meshCallersOf(ic, s).filter((p) => !narrowed.has(p));
      const rules: Obj[] = [];
      if (callers.length) rules.push({ from: [{ source: { principals: callers } }] });
      for (const r of grants.rules) rules.push(authzRule(ic, r, s));
      for (const r of s.security.authorization.filter((x) => x.action === 'allow')) rules.push(authzRule(ic, r, s));
      if (rules.length)
        out.push(manifest(ic, API.security, 'AuthorizationPolicy', s.name, s.namespace, s.name, SyncWave.foundation, { selector, action: 'ALLOW', rules }));
    }
    const denies = s.security.authorization.filter((x) => x.action === 'deny');
    if (denies.length)
      out.push(
        manifest(ic, API.security, 'AuthorizationPolicy', `${s.name}-deny`, s.namespace, s.name, SyncWave.tightening, {
          selector,
          action: 'DENY',
          rules: denies.map((r) => authzRule(ic, r, s)),
        }),
      );
    const required = s.security.jwt.filter((j) => j.required);
    if (required.length)
      out.push(
        manifest(ic, API.security, 'AuthorizationPolicy', `${s.name}-require-jwt`, s.namespace, s.name, SyncWave.tightening, {
          selector,
          action: 'DENY',
          rules: [{ from: [{ source: { notRequestPrincipals: requiredPrincipals(required) } }] }],
        }),
      );
  }
  return out;
}
