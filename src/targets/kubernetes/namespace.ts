import type { EmitContext, Manifest } from '../target';
import { SyncWave } from '../sync-waves';
import { objectMeta } from './metadata';
import type { WorkloadWirings } from './wiring';

/**
 * One Namespace per team namespace (and per namespace a service names), labelled with the
 * teams' labels and whatever the mesh needs on the namespace (Istio's injection label).
 */
export function namespaces(ctx: EmitContext, wirings: WorkloadWirings): Manifest[] {
  return ctx.index.namespaces().map((ns) => {
    const teamLabels = Object.assign({}, ...ctx.model.teams.filter((t) => t.namespace === ns).map((t) => t.labels)) as Record<string, string>;
    const labels = { ...teamLabels, ...wirings.namespaceLabels(ns, ctx.model.services) };
    // As cdk8s-plus's Namespace rendered it, with its empty `spec`.
    return { apiVersion: 'v1', kind: 'Namespace', metadata: objectMeta(ctx.model, ns, ns, undefined, SyncWave.namespace, labels), spec: {} };
  });
}
