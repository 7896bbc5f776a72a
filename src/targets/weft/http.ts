import type { MeshModel } from '../../model/mesh';

/**
 * The proxy's `http` block from mesh-wide settings: `pathNormalization` when the mesh declares it
 * (the proxy's own default is `base`, as Istio's), so that an undeclared setting leaves every
 * config as it was. The proxy normalizes before matching routes and authorization rules and
 * forwards the normalized path (src/proxy/server/serve.ts).
 * @see https://istio.io/latest/docs/reference/config/security/normalization/
 */
export function httpConfig(model: MeshModel): { http?: { pathNormalization: 'none' | 'base' | 'merge-slashes' } } {
  const mode = model.security.pathNormalization;
  return mode === undefined ? {} : { http: { pathNormalization: mode } };
}
