import type { Slo } from '../../model/observability';
import type { Service } from '../../model/service';
import type { EmitContext } from '../target';
import { isBucketBoundary, nearestBoundaries } from './buckets';
import { LONGEST_WINDOW_DAYS } from './burn-rates';

/**
 * The SLOs of a service that can be compiled into rules, each problem reported:
 * - WEFT781: a service without HTTP or gRPC ports has no request metrics (Istio counts TCP
 *   connections and bytes, not requests), so none of its SLOs can be measured;
 * - WEFT780: a latency threshold that is not a duration-bucket bound cannot be counted exactly;
 *   rounding it to a neighbour would change the objective, so the user picks one;
 * - WEFT784: a window shorter than the 3-day ticket alert's look-back (kept, with a warning).
 */
export function measurableSlos(ctx: EmitContext, service: Service): Slo[] {
  const slos = service.observability.slos;
  if (slos.length === 0) return [];
  if (service.ports.every((p) => p.protocol === 'tcp')) {
    for (const slo of slos)
      ctx.report(
        'WEFT781',
        slo,
        `SLO "${slo.name}" of service "${service.name}" cannot be measured: the service has only TCP ports, and meshes count requests (and their status and duration) only for HTTP and gRPC`,
        'declare the port with protocol http, http2 or grpc if it carries requests, or remove the SLO',
      );
    return [];
  }
  const ok: Slo[] = [];
  for (const slo of slos) {
    const o = slo.objective;
    if (o.kind === 'latency' && !isBucketBoundary(o.thresholdMs)) {
      const { below, above } = nearestBoundaries(o.thresholdMs);
      const options = [below, above].filter((b) => b !== undefined).map((b) => `${b} ms`);
      ctx.report(
        'WEFT780',
        slo,
        `latency SLO "${slo.name}" of service "${service.name}" uses a threshold of ${o.thresholdMs} ms, which is not a bucket boundary of the request-duration histogram; the nearest boundaries are ${options.join(' and ')}`,
        `set the threshold to ${options.join(' or ')}: the histogram can only count requests at or under one of its bucket boundaries`,
      );
      continue;
    }
    if (slo.windowDays < LONGEST_WINDOW_DAYS) {
      ctx.report(
        'WEFT784',
        slo,
        `SLO "${slo.name}" of service "${service.name}" has a ${slo.windowDays}-day window, shorter than the ${LONGEST_WINDOW_DAYS}-day look-back of its slowest burn-rate alert; the alert factors are the SRE workbook's for a 30-day window`,
        `use a window of at least ${LONGEST_WINDOW_DAYS} days (28 or 30 is usual)`,
      );
    }
    ok.push(slo);
  }
  return ok;
}
