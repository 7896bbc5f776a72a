import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Probe, Service } from '../../model/service';
import type { EmitContext } from '../target';

type ProbeKind = 'readiness' | 'liveness' | 'startup';

/**
 * A model probe as a cdk8s-plus probe. Kubernetes counts probe timings in whole seconds
 * (`periodSeconds`, `timeoutSeconds` ≥ 1), so sub-second values are rounded up and reported.
 * @see https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#Probe
 */
export function toProbe(ctx: EmitContext, service: Service, kind: ProbeKind, probe: Probe | undefined): kplus.Probe | undefined {
  if (!probe) return undefined;
  const seconds = (field: string, ms: number, min: number): Duration => {
    const s = Math.max(min, Math.ceil(ms / 1000));
    if (s * 1000 !== ms) {
      ctx.report({
        code: 'WEFT661',
        message: `${kind} probe ${field} of service "${service.name}" is ${ms}ms; Kubernetes counts whole seconds, so it becomes ${s}s`,
        path: service.path,
        location: service.location,
        hint: `declare the ${kind} probe ${field} in whole seconds${min ? ' (at least 1s)' : ''}`,
      });
    }
    return Duration.seconds(s);
  };
  const options = {
    port: probe.port,
    initialDelaySeconds: seconds('initial delay', probe.initialDelayMs, 0),
    periodSeconds: seconds('period', probe.periodMs, 1),
    timeoutSeconds: seconds('timeout', probe.timeoutMs, 1),
    failureThreshold: probe.failureThreshold,
  };
  return probe.httpPath !== undefined ? kplus.Probe.fromHttpGet(probe.httpPath, options) : kplus.Probe.fromTcpSocket(options);
}
