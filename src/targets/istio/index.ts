import type { Environment } from '../../model/mesh';
import type { EmitContext, Manifest, Target, TargetOutput } from '../target';
import { authorizationPolicies } from './authorization-policy';
import { checkDuplicateMeshHosts } from './checks/duplicate-mesh-host';
import { checkFallbacks } from './checks/fallbacks';
import { checkRatioBreakers } from './checks/ratio-breaker';
import { checkGatewayRouteConflicts } from './checks/gateway-route-conflicts';
import { checkHttpOnTcp } from './checks/http-on-tcp';
import { checkPlaintextPrincipals } from './checks/plaintext-principals';
import { checkPathNormalization } from './checks/path-normalization';
import { checkRootNamespace } from './checks/root-namespace';
import { checkRetryOn } from './checks/retry-on';
import { checkTlsConflicts } from './checks/tls-conflict';
import { checkVersionSubsets } from './checks/version-subsets';
import { ISTIO_CODES } from './codes';
import { istioContext } from './common';
import { destinationRules } from './destination-rule';
import { fallbackEnvoyFilters } from './fallback-envoy-filter';
import { ratioBreakerEnvoyFilters } from './ratio-breaker-envoy-filter';
import { gateways } from './gateway';
import { peerAuthentications } from './peer-authentication';
import { rateLimitEnvoyFilters } from './rate-limit-envoy-filter';
import { responseFlagsEnvoyFilters } from './response-flags-envoy-filter';
import { requestAuthentications } from './request-authentication';
import { serviceEntries } from './service-entry';
import { sidecars } from './sidecar';
import { telemetries } from './telemetry';
import { planVirtualServices } from './routing';
import { virtualServices } from './virtual-service';
import { withSwitchRoutes } from './switch-routes';
import { istioWiring } from './wiring';

export { ISTIO_CODES } from './codes';

/** Emits every Istio object of one environment, then runs the Istio checks over model and objects. */
export function emitIstio(ctx: EmitContext): TargetOutput {
  const ic = istioContext(ctx);
  const plans = planVirtualServices(ctx.model, ctx.index);

  checkVersionSubsets(ic);
  checkDuplicateMeshHosts(ic, plans);
  checkGatewayRouteConflicts(ic, plans);
  checkHttpOnTcp(ic, plans);
  checkRetryOn(ic, plans);
  checkPlaintextPrincipals(ic);
  checkRootNamespace(ic);
  checkPathNormalization(ic);
  checkFallbacks(ic);
  checkRatioBreakers(ic);

  const manifests: Manifest[] = [
    ...peerAuthentications(ic),
    ...requestAuthentications(ic),
    ...authorizationPolicies(ic),
    ...telemetries(ic),
    ...rateLimitEnvoyFilters(ic),
    ...fallbackEnvoyFilters(ic),
    ...ratioBreakerEnvoyFilters(ic),
    ...responseFlagsEnvoyFilters(ic),
    ...serviceEntries(ic),
    ...sidecars(ic),
    ...destinationRules(ic),
    ...gateways(ic),
    ...withSwitchRoutes(ic, virtualServices(ic, plans)),
  ];
  checkTlsConflicts(ic, manifests);
  return { manifests };
}

/**
 * The Istio target: every environment whose mesh is `istio` gets
 * `dist/<env>/istio/<namespace>/<kind>-<name>.yaml`. See docs/istio.md.
 */
export const istioTarget: Target = {
  name: 'istio',
  codes: ISTIO_CODES,
  appliesTo: (env: Environment) => env.mesh === 'istio',
  emit: emitIstio,
  /** Sidecar injection, and holding the application until its sidecar is ready: wiring.ts. */
  wiring: (_ctx, service) => istioWiring(service),
};
