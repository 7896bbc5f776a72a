import type { IstioContext } from '../common';
import { hasHttpPort, httpOnlyFeatures, routeProtocol, type VirtualServicePlan } from '../routing';

/**
 * WEFT605: HTTP routing on a TCP port. Istio routes TCP ports with `tcp` routes, which match
 * only on port and source and forward with weights; path/header matches, rewrites, timeouts,
 * retries, faults, mirrors, CORS and rate limits need an HTTP port (Istio picks the protocol
 * from the port's name, `http-*`, `grpc-*`, `tcp-*`). Forward-only routes to TCP ports are
 * written as `tcp` routes; anything else is reported here and left out.
 * @see https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#TCPRoute
 */
export function checkHttpOnTcp(ic: IstioContext, plans: readonly VirtualServicePlan[]): void {
  const { index, model } = ic.ctx;
  const seen = new Set<string>();
  for (const plan of plans)
    for (const entry of plan.entries) {
      const { route } = entry;
      const protocol = routeProtocol(index, route);
      if (protocol === 'http' || seen.has(route.path)) continue;
      seen.add(route.path);
      if (protocol === 'mixed') {
        ic.report('WEFT605', route, `route "${route.name}" splits between HTTP and TCP ports; one Istio route is either HTTP or TCP`, 'split to ports of one protocol, or declare two routes');
        continue;
      }
      if (entry.binding !== 'mesh') {
        ic.report('WEFT605', route, `route "${route.name}" on gateway "${entry.binding}" forwards to a TCP port, but the gateway serves HTTP`, 'route the gateway to an HTTP port (name it http-*, grpc-*)');
        continue;
      }
      const features = httpOnlyFeatures(route, entry.policy);
      if (features.length)
        ic.report(
          'WEFT605',
          route,
          `route "${route.name}" goes to a TCP port, where Istio cannot apply ${features.join(', ')}`,
          'declare the port as http/http2/grpc, or keep only the destinations and weights on this route',
        );
    }
  for (const s of model.services) {
    if (hasHttpPort(s)) continue;
    const r = s.resilience;
    const features = [r.timeoutMs !== undefined && 'timeout', r.retries && r.retries.attempts > 0 && 'retries', r.fault && 'fault', r.rateLimit && 'rateLimit'].filter(
      (f): f is string => typeof f === 'string',
    );
    if (features.length)
      ic.report('WEFT605', s, `service "${s.name}" has only TCP ports, where Istio cannot apply ${features.join(', ')}`, 'declare the port as http/http2/grpc, or remove these settings');
  }
}
