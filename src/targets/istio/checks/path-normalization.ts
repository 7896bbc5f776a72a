import type { IstioContext } from '../common';

/**
 * Istio sets path normalization for the whole installation (`meshConfig.pathNormalization`,
 * default `BASE`), not in any resource Weft writes (VirtualService, AuthorizationPolicy…): a mesh
 * that declares another mode would silently get BASE on Istio, so say so (WEFT636).
 * @see https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#MeshConfig-ProxyPathNormalization
 * @see https://istio.io/latest/docs/reference/config/security/normalization/
 */
export function checkPathNormalization(ic: IstioContext): void {
  const mode = ic.model.security.pathNormalization;
  if (mode === undefined || mode === 'base') return;
  const istio = mode === 'none' ? 'NONE' : 'MERGE_SLASHES';
  ic.report(
    'WEFT636',
    { path: ic.model.name, location: ic.model.location },
    `security.pathNormalization is "${mode}", but Istio takes path normalization from its installation's mesh config (meshConfig.pathNormalization), which Weft does not write: this environment's proxies normalize with Istio's default, BASE`,
    `set meshConfig.pathNormalization.normalization: ${istio} in the Istio installation (IstioOperator or the istiod Helm values), or declare 'base'`,
  );
}
