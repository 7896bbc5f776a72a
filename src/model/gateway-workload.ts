import type { Gateway } from './mesh';

/**
 * Where an ingress gateway's pods run and as which service account: the identity (SPIFFE
 * principal `<trust domain>/ns/<namespace>/sa/<account>`) its requests carry into the mesh.
 * It is not the Gateway resource's namespace: Istio's `istioctl`/IstioOperator install runs the
 * default ingress gateway (`istio: ingressgateway`) in `istio-system` as
 * `istio-ingressgateway-service-account`, whichever namespace the Gateway resource is in. A
 * gateway installed with the `gateway` Helm chart runs as its release name, which is also its
 * `app` label, so a selector with `app` names the account.
 * @see https://istio.io/latest/docs/tasks/security/authorization/authz-ingress/
 * @see https://istio.io/latest/docs/setup/additional-setup/gateway/
 */
export const DEFAULT_GATEWAY_NAMESPACE = 'istio-system';
export const DEFAULT_GATEWAY_SERVICE_ACCOUNT = 'istio-ingressgateway-service-account';

export interface GatewayWorkload {
  namespace: string;
  serviceAccount: string;
}

/** The service account the selector implies when none is declared. */
export function selectorServiceAccount(selector: Record<string, string>): string {
  if (selector.istio === 'ingressgateway' || Object.keys(selector).length === 0) return DEFAULT_GATEWAY_SERVICE_ACCOUNT;
  return selector.app ?? selector.istio ?? Object.values(selector)[0]!;
}

/** The declared workload of a gateway, with Istio's install defaults where nothing was declared. */
export function gatewayWorkload(g: Pick<Gateway, 'selector' | 'workload'>): GatewayWorkload {
  return {
    namespace: g.workload?.namespace ?? DEFAULT_GATEWAY_NAMESPACE,
    serviceAccount: g.workload?.serviceAccount ?? selectorServiceAccount(g.selector),
  };
}
