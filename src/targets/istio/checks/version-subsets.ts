import type { Destination, Route } from '../../../model/traffic';
import type { IstioContext } from '../common';

/**
 * WEFT601: a route (or mirror) to a version of a service. In Istio that is a DestinationRule
 * subset whose labels (`version: <v>`) must select pods. A declared version scaled to zero in
 * this environment selects a Deployment with no pods, so Envoy answers 503 (UH). (A version the
 * service does not declare at all is the analyzer's WEFT104, reported once for every target.)
 * @see https://istio.io/latest/docs/ops/common-problems/network-issues/#503-errors-after-setting-destination-rule
 */
export function checkVersionSubsets(ic: IstioContext): void {
  const { index } = ic.ctx;
  for (const route of index.allRoutes()) {
    const targets: Pick<Destination, 'service' | 'version'>[] = [];
    if (route.action.kind === 'forward') targets.push(...route.action.destinations);
    if (route.mirror) targets.push(route.mirror.destination);
    for (const d of targets) {
      if (d.version === undefined) continue;
      const s = index.service(d.service);
      if (!s) continue; // unknown service: the analyzer reports the reference
      const v = s.versions.find((x) => x.name === d.version);
      // A version the service does not declare is the analyzer's WEFT104; here only what Istio adds.
      if (!v) continue;
      if (v.replicas === 0 && !s.autoscaling) {
        ic.report(
          'WEFT601',
          route,
          `${what(route)} sends to version "${d.version}" of service "${s.name}", which has 0 replicas in environment "${ic.ctx.env.name}": its subset selects no running pod`,
          `scale version "${d.version}" up in environment "${ic.ctx.env.name}", or stop routing to it there`,
        );
      }
    }
  }
}

function what(route: Route): string {
  return `route "${route.name}"`;
}
