import type { Environment } from '../../model/mesh';
import type { EmitContext, Manifest, Target, TargetOutput, WorkloadWiring } from '../target';
import { authorizationPolicies } from './authorization-policy';
import { checkDuplicateMeshHosts } from './checks/duplicate-mesh-host';
import { checkHttpOnTcp } from './checks/http-on-tcp';
import { checkPlaintextPrincipals } from './checks/plaintext-principals';
import { checkRetryOn } from './checks/retry-on';
import { checkTlsConflicts } from './checks/tls-conflict';
import { checkVersionSubsets } from './checks/version-subsets';
import { ISTIO_CODES } from './codes';
import { istioContext } from './common';
import { destinationRules } from './destination-rule';
import { gateways } from './gateway';
import { peerAuthentications } from './peer-authentication';
import { rateLimitEnvoyFilters } from './rate-limit-envoy-filter';
import { requestAuthentications } from './request-authentication';
import { serviceEntries } from './service-entry';
import { sidecars } from './sidecar';
import { telemetries } from './telemetry';
import { planVirtualServices } from './routing';
import { virtualServices } from './virtual-service';

export { ISTIO_CODES } from './codes';

/** Emits every Istio object of one environment, then runs the Istio checks over model and objects. */
export function emitIstio(ctx: EmitContext): TargetOutput {
  const ic = istioContext(ctx);
  const plans = planVirtualServices(ctx.model, ctx.index);

  checkVersionSubsets(ic);
  checkDuplicateMeshHosts(ic, plans);
  checkHttpOnTcp(ic, plans);
  checkRetryOn(ic, plans);
  checkPlaintextPrincipals(ic);

  const manifests: Manifest[] = [
    ...peerAuthentications(ic),
    ...requestAuthentications(ic),
    ...authorizationPolicies(ic),
    ...telemetries(ic),
    ...rateLimitEnvoyFilters(ic),
    ...serviceEntries(ic),
    ...sidecars(ic),
    ...destinationRules(ic),
    ...gateways(ic),
    ...virtualServices(ic, plans),
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
  /**
   * Sidecar injection by namespace label. `istio-injection: enabled` targets the default
   * (revision-less) control plane, which is what `istioctl install` and the `istiod` Helm chart
   * set up. A revisioned install (canary control-plane upgrades) selects namespaces with
   * `istio.io/rev=<revision>` instead, and the two labels must not be combined (the
   * `istio-injection` label wins); Weft's model has no revision, so it uses the default label.
   * Pods need `app` and `version` labels, which the Kubernetes target always sets.
   * @see https://istio.io/latest/docs/setup/additional-setup/sidecar-injection/#controlling-the-injection-policy
   */
  wiring(): WorkloadWiring {
    return { namespaceLabels: { 'istio-injection': 'enabled' } };
  },
};
