import { serviceKey, type ServiceRef } from '../../model/common';
import type { Gateway, MeshModel } from '../../model/mesh';
import type { AuthorizationRule } from '../../model/security';
import type { Service } from '../../model/service';
import { reachOf } from '../../model/reach';
import { principalOf } from '../naming';
import { SyncWave } from '../sync-waves';
import type { Manifest } from '../target';
import { API, compact, manifest, workloadSelector, type IstioContext } from './common';

type Obj = Record<string, unknown>;

/**
 * The service account of the ingress gateway's pods, which is the identity its requests carry
 * into the mesh. Istio's default ingress gateway (`istio: ingressgateway`, installed by
 * istioctl/IstioOperator) runs as `istio-ingressgateway-service-account`; a gateway installed
 * with the `gateway` Helm chart runs as the release name, which is also its `app` label.
 * @see https://istio.io/latest/docs/tasks/security/authorization/authz-ingress/
 * @see https://istio.io/latest/docs/setup/additional-setup/gateway/
 */
export function ingressGatewayServiceAccount(g: Pick<Gateway, 'selector'>): string {
  if (g.selector.istio === 'ingressgateway' || Object.keys(g.selector).length === 0) return 'istio-ingressgateway-service-account';
  return g.selector.app ?? g.selector.istio ?? Object.values(g.selector)[0]!;
}

/** The principal of a gateway's workload: its pods run in the gateway's namespace. */
export function gatewayPrincipal(model: Pick<MeshModel, 'trustDomain'>, g: Pick<Gateway, 'namespace' | 'selector'>): string {
  return `${model.trustDomain}/ns/${g.namespace}/sa/${ingressGatewayServiceAccount(g)}`;
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
  for (const c of callersOf(target)) add(principalOf(model, c));
  for (const route of reach.routesTo(target)) {
    if (route.owner.kind === 'service') {
      if (serviceKey(route.owner.service) === key) continue;
      for (const c of callersOf(route.owner.service)) add(principalOf(model, c));
    } else {
      const name = route.owner.gateway;
      const g = model.gateways.find((x) => x.name === name);
      if (g) add(gatewayPrincipal(model, g));
    }
  }
  return out;
}

/** One Weft rule as one Istio rule: set fields of `from` are ANDed in one source, as in Weft. */
export function authzRule(ic: IstioContext, rule: AuthorizationRule): Obj {
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
    ports: rule.to.ports?.length ? rule.to.ports.map(String) : undefined,
  });
  // JWT claims are conditions on the validated token.
  // @see https://istio.io/latest/docs/reference/config/security/conditions/
  const when = f.jwtClaims ? Object.entries(f.jwtClaims).map(([claim, values]) => ({ key: `request.auth.claims[${claim}]`, values })) : undefined;
  return compact({
    from: Object.keys(source).length ? [{ source }] : undefined,
    to: Object.keys(operation).length ? [{ operation }] : undefined,
    when: when?.length ? when : undefined,
  });
}

/**
 * - deny-by-default: an `allow-nothing` policy (empty spec) in every namespace with services —
 *   not in the root namespace, where it would also cut off the ingress gateway — plus, per
 *   service, one ALLOW policy: its mesh callers' and gateways' principals, then its declared
 *   allow rules. The allow-nothing baseline is applied one wave after the ALLOW policies, so
 *   a first sync never denies traffic that is meant to pass.
 * - allow-all: no ALLOW policy at all (one would deny everything it does not list).
 * - always: declared deny rules in a DENY policy, and for a required JWT, a DENY policy for
 *   requests without a valid token (`notRequestPrincipals: ["*"]`).
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
        out.push(manifest(ic, API.security, 'AuthorizationPolicy', 'allow-nothing', ns, 'mesh', SyncWave.destinations, {}));

  for (const s of model.services) {
    const selector = workloadSelector(s);
    if (denyByDefault) {
      const callers = meshCallersOf(ic, s);
      const rules: Obj[] = [];
      if (callers.length) rules.push({ from: [{ source: { principals: callers } }] });
      for (const r of s.security.authorization.filter((x) => x.action === 'allow')) rules.push(authzRule(ic, r));
      if (rules.length)
        out.push(manifest(ic, API.security, 'AuthorizationPolicy', s.name, s.namespace, s.name, SyncWave.foundation, { selector, action: 'ALLOW', rules }));
    }
    const denies = s.security.authorization.filter((x) => x.action === 'deny');
    if (denies.length)
      out.push(
        manifest(ic, API.security, 'AuthorizationPolicy', `${s.name}-deny`, s.namespace, s.name, SyncWave.foundation, {
          selector,
          action: 'DENY',
          rules: denies.map((r) => authzRule(ic, r)),
        }),
      );
    if (s.security.jwt.some((j) => j.required))
      out.push(
        manifest(ic, API.security, 'AuthorizationPolicy', `${s.name}-require-jwt`, s.namespace, s.name, SyncWave.foundation, {
          selector,
          action: 'DENY',
          rules: [{ from: [{ source: { notRequestPrincipals: ['*'] } }] }],
        }),
      );
  }
  return out;
}
