import type { Chart } from 'cdk8s';
import type { EmitContext } from '../target';
import { SyncWave } from '../sync-waves';
import { objectMeta } from './metadata';
import type { WorkloadWirings } from './wiring';
import { PlainObject } from './plain-object';

/**
 * One Namespace per team namespace (and per namespace a service names), labelled with the
 * teams' labels and whatever the mesh needs on the namespace (Istio's injection label).
 */
export function emitNamespaces(chart: Chart, ctx: EmitContext, wirings: WorkloadWirings): void {
  for (const ns of ctx.index.namespaces()) {
    const teamLabels = Object.assign({}, ...ctx.model.teams.filter((t) => t.namespace === ns).map((t) => t.labels)) as Record<string, string>;
    const labels = { ...teamLabels, ...wirings.namespaceLabels(ns, ctx.model.services) };
    // As cdk8s-plus's Namespace renders it, with its empty `spec`.
    new PlainObject(chart, `Namespace:${ns}`, { apiVersion: 'v1', kind: 'Namespace', metadata: objectMeta(ctx.model, ns, ns, undefined, SyncWave.namespace, labels), spec: {} });
  }
}
