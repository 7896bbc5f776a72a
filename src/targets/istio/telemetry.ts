import type { Service } from '../../model/service';
import { SyncWave } from '../sync-waves';
import type { Manifest } from '../target';
import { API, ISTIO_ROOT_NAMESPACE, compact, manifest, workloadSelector, type IstioContext } from './common';

type Obj = Record<string, unknown>;

/**
 * Telemetry: the mesh's defaults (tracing sampling, access logs, metrics) as `mesh-default`,
 * plus one per service that overrides any of them. Where `mesh-default` goes follows
 * `defaultsScope`: in each namespace Weft deploys to (`namespaces`, a selector-less namespace
 * Telemetry), or once in the root namespace (`mesh-wide`, every namespace of the cluster).
 * Istio resolves workload over namespace over root, field by field, so a service's Telemetry
 * carries only what it overrides in either case.
 * - access logs use Istio's built-in `envoy` provider; off is written as `disabled: true`;
 * - metrics use the built-in `prometheus` provider; off disables ALL_METRICS;
 * - tracing uses the declared provider, else the mesh's default tracing provider.
 * @see https://istio.io/latest/docs/reference/config/telemetry/
 * @see https://istio.io/latest/docs/tasks/observability/telemetry/#scope-inheritance-and-overrides
 */
export function telemetries(ic: IstioContext): Manifest[] {
  const o = ic.model.observability;
  // A fresh object per manifest: later steps (JSON patches) may edit one manifest alone.
  const defaults = () =>
    compact({
      tracing: o.tracing ? [tracing(ic, o.tracing.samplingPercent)] : undefined,
      accessLogging: [accessLogging(o.accessLogs)],
      metrics: [metrics(o.metrics)],
    });
  const namespaces = ic.model.defaultsScope === 'mesh-wide' ? [ISTIO_ROOT_NAMESPACE] : namespacesWithServices(ic);
  const out: Manifest[] = namespaces.map((ns) => manifest(ic, API.telemetry, 'Telemetry', 'mesh-default', ns, 'mesh', SyncWave.foundation, defaults()));
  for (const s of ic.model.services) {
    const spec = serviceSpec(ic, s);
    if (spec) out.push(manifest(ic, API.telemetry, 'Telemetry', s.name, s.namespace, s.name, SyncWave.foundation, spec));
  }
  return out;
}

function namespacesWithServices(ic: IstioContext): string[] {
  const withServices = new Set(ic.model.services.map((s) => s.namespace));
  return ic.ctx.index.namespaces().filter((ns) => withServices.has(ns));
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
