import type { IstioContext } from '../common';
import { MESH, type VirtualServicePlan } from '../routing';

/**
 * WEFT602: two VirtualServices bound to the mesh for one host. Istio merges VirtualServices of
 * one host only on gateways; for sidecars it uses one of them and ignores the rest, so routes
 * would silently vanish. Weft merges the routes of a host in one namespace; the same host from
 * two namespaces (or written as a short name in one and a full name in another that resolve
 * alike) cannot be merged.
 * @see https://istio.io/latest/docs/ops/best-practices/traffic-management/#split-virtual-services
 */
export function checkDuplicateMeshHosts(ic: IstioContext, plans: readonly VirtualServicePlan[]): void {
  const first = new Map<string, VirtualServicePlan>();
  for (const plan of plans) {
    if (!plan.bindings.includes(MESH)) continue;
    const seen = first.get(plan.canonical);
    if (!seen) {
      first.set(plan.canonical, plan);
      continue;
    }
    const at = plan.entries.find((e) => !e.synthetic)?.route ?? plan.at;
    ic.report(
      'WEFT602',
      at,
      `host "${plan.canonical}" would get a second mesh VirtualService (${plan.namespace}/${plan.name}, besides ${seen.namespace}/${seen.name}); Istio's sidecars use only one of them`,
      `declare the routes of "${plan.canonical}" in one namespace (on the service "${plan.canonical.split('.')[0]}" itself)`,
    );
  }
}
