import type { Probe, Service } from '../../model/service';
import type { EmitContext } from '../target';

type ProbeKind = 'readiness' | 'liveness' | 'startup';

/**
 * A model probe as a Kubernetes `Probe`, written as cdk8s-plus's Probe.fromHttpGet /
 * Probe.fromTcpSocket render it (scheme HTTP, `failureThreshold` and every timing explicit). Kubernetes counts probe timings in whole seconds
 * (`periodSeconds`, `timeoutSeconds` ≥ 1), so sub-second values are rounded up and reported.
 * @see https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#Probe
 */
export function toProbe(ctx: EmitContext, service: Service, kind: ProbeKind, probe: Probe | undefined): Record<string, unknown> | undefined {
  if (!probe) return undefined;
  const seconds = (field: string, ms: number, min: number): number => {
    const s = Math.max(min, Math.ceil(ms / 1000));
    if (s * 1000 !== ms) {
      ctx.report(
        'WEFT661',
        service,
        `${kind} probe ${field} of service "${service.name}" is ${ms}ms; Kubernetes counts whole seconds, so it becomes ${s}s`,
        `declare the ${kind} probe ${field} in whole seconds${min ? ' (at least 1s)' : ''}`,
      );
    }
    return s;
  };
  const initialDelaySeconds = seconds('initial delay', probe.initialDelayMs, 0);
  const periodSeconds = seconds('period', probe.periodMs, 1);
  const timeoutSeconds = seconds('timeout', probe.timeoutMs, 1);
  return {
    failureThreshold: probe.failureThreshold,
    ...(probe.httpPath !== undefined ? { httpGet: { path: probe.httpPath, port: probe.port, scheme: 'HTTP' } } : {}),
    initialDelaySeconds,
    periodSeconds,
    ...(probe.httpPath === undefined ? { tcpSocket: { port: probe.port } } : {}),
    timeoutSeconds,
  };
}
