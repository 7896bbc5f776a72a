import type { Service } from '../../model/service';
import type { WorkloadWiring } from '../target';

/**
 * What an Istio workload needs from the Kubernetes target.
 * - Injection by namespace label: `istio-injection: enabled` targets the default (revision-less)
 *   control plane, which is what `istioctl install` and the `istiod` Helm chart set up. A
 *   revisioned install (canary control-plane upgrades) selects namespaces with
 *   `istio.io/rev=<revision>` instead, and the two labels must not be combined (the
 *   `istio-injection` label wins); Weft's model has no revision, so it uses the default label.
 *   Pods need `app` and `version` labels, which the Kubernetes target always sets.
 * - A workload that calls other services (or external ones) holds its application container until
 *   the sidecar is ready (`holdApplicationUntilProxyStarts` in the pod's `proxy.istio.io/config`):
 *   otherwise an application that calls out at startup does so before Envoy has its listeners and
 *   routes, and those calls fail (connection refused, or 503 under REGISTRY_ONLY). A workload that
 *   calls nothing keeps Istio's default, which starts faster.
 * @see https://istio.io/latest/docs/setup/additional-setup/sidecar-injection/#controlling-the-injection-policy
 * @see https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#ProxyConfig (holdApplicationUntilProxyStarts)
 * @see https://istio.io/latest/docs/reference/config/annotations/#ProxyConfig
 */
export function istioWiring(service: Pick<Service, 'calls'>): WorkloadWiring {
  return {
    namespaceLabels: { 'istio-injection': 'enabled' },
    injectsSidecar: true,
    ...(service.calls.length > 0 ? { podAnnotations: { [PROXY_CONFIG_ANNOTATION]: HOLD_APPLICATION } } : {}),
  };
}

export const PROXY_CONFIG_ANNOTATION = 'proxy.istio.io/config';
/** ProxyConfig as YAML or JSON (Istio accepts both); JSON keeps it one line in the manifest. */
const HOLD_APPLICATION = JSON.stringify({ holdApplicationUntilProxyStarts: true });
