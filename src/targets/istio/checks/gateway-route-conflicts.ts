import type { IstioContext } from '../common';
import type { VirtualServicePlan } from '../routing';

/**
 * WEFT621: a service route that cannot be copied onto the gateway route sending to its service
 * (gateway-routes.ts). Without it, gateway traffic would skip that route, so synth stops.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPMatchRequest
 */
export function checkGatewayRouteConflicts(ic: IstioContext, plans: readonly VirtualServicePlan[]): void {
  for (const plan of plans) for (const c of plan.conflicts) ic.report('WEFT621', c.at, c.message, c.hint);
}
