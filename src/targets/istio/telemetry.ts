import type { Service } from '../../model/service';
import { SyncWave } from '../sync-waves';
import type { Manifest } from '../target';
import { API, ISTIO_ROOT_NAMESPACE, compact, manifest, workloadSelector, type IstioContext } from './common';

type Obj = Record<string, unknown>;

/**
 * Telemetry: a mesh-wide `mesh-default` in the root namespace (tracing sampling, access logs,
 * metrics), plus one per service that overrides any of them.
 * - access logs use Istio's built-in `envoy` provider; off is written as `disabled: true`;
 * - metrics use the built-in `prometheus` provider; off disables ALL_METRICS;
 * - tracing uses the declared provider, else the mesh's default tracing provider.
 * @see https://istio.io/latest/docs/reference/config/telemetry/
 * @see https://istio.io/latest/docs/tasks/observability/telemetry/
 */
export function telemetries(ic: IstioContext): Manifest[] {
  const o = ic.model.observability;
  const out: Manifest[] = [
    manifest(ic, API.telemetry, 'Telemetry', 'mesh-default', ISTIO_ROOT_NAMESPACE, 'mesh', SyncWave.foundation, compact({
      tracing: o.tracing ? [tracing(ic, o.tracing.samplingPercent)] : undefined,
      accessLogging: [accessLogging(o.accessLogs)],
      metrics: [metrics(o.metrics)],
    })),
  ];
  for (const s of ic.model.services) {
    const spec = serviceSpec(ic, s);
    if (spec) out.push(manifest(ic, API.telemetry, 'Telemetry', s.name, s.namespace, s.name, SyncWave.foundation, spec));
  }
  return out;
}

function tracing(ic: IstioContext, samplingPercent: number): Obj {
  const provider = ic.model.observability.tracing?.provider;
  return compact({ providers: provider ? [{ name: provider }] : undefined, randomSamplingPercentage: samplingPercent });
}

function accessLogging(on: boolean): Obj {
  return on ? { providers: [{ name: 'envoy' }] } : { disabled: true };
}

function metrics(on: boolean): Obj {
  return on ? { providers: [{ name: 'prometheus' }] } : { providers: [{ name: 'prometheus' }], overrides: [{ match: { metric: 'ALL_METRICS' }, disabled: true }] };
}

function serviceSpec(ic: IstioContext, s: Service): Obj | undefined {
  const o = s.observability;
  if (o.metrics === undefined && o.accessLogs === undefined && o.tracingSamplingPercent === undefined) return undefined;
  return compact({
    selector: workloadSelector(s),
    tracing: o.tracingSamplingPercent === undefined ? undefined : [tracing(ic, o.tracingSamplingPercent)],
    accessLogging: o.accessLogs === undefined ? undefined : [accessLogging(o.accessLogs)],
    metrics: o.metrics === undefined ? undefined : [metrics(o.metrics)],
  });
}
