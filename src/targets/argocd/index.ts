import type { EmitContext, Manifest, Target, TargetOutput } from '../target';
import { application } from './application';
import { applicationSet } from './application-set';
import { appProject } from './app-project';
import { escapeHatchKinds } from './kinds';
import { ARGOCD_CODES } from './codes';
import { ignoreDifferences } from './ignore-differences';
import { deliveryOf } from './settings';

export { ARGOCD_CODES } from './codes';
export { clusterKinds, namespacedKinds, FLAVOUR_NAMESPACES, type GroupKind } from './kinds';

/**
 * Namespaces Weft writes objects to, from the model: the teams' and services', the gateways'
 * and the external services'.
 */
function namespacesOf(ctx: EmitContext): string[] {
  const { model } = ctx;
  return [...new Set([...ctx.index.namespaces(), ...model.gateways.map((g) => g.namespace), ...model.externalServices.map((x) => x.namespace)])];
}

/**
 * Emits the Argo CD objects of one environment into `dist/<env>/argocd/<argocd namespace>/`:
 * its AppProject and Application, or, under `delivery: 'application-set'`, the mesh's one
 * AppProject and ApplicationSet in the first delivered environment's folder.
 */
export function emitArgoCd(ctx: EmitContext): TargetOutput {
  const delivery = deliveryOf(ctx);
  if (!delivery) return { manifests: [] };
  const { model, env } = ctx;
  const namespaces = namespacesOf(ctx);
  const first = namespaces[0] ?? 'default';
  const ignore = ignoreDifferences(model);
  const userKinds = escapeHatchKinds(model);
  const manifests: Manifest[] = [];
  if (delivery.delivery === 'application') {
    manifests.push(appProject(model.name, delivery, namespaces, userKinds), application(model.name, env.name, delivery, first, ignore));
  } else if (delivery.covered[0]?.name === env.name) {
    manifests.push(appProject(model.name, delivery, namespaces, userKinds), applicationSet(model.name, delivery, first, ignore));
  }
  return { manifests };
}

/**
 * The `argocd` target: Argo CD delivery of the environments that set `gitops`. docs/gitops.md
 * describes the objects and every setting.
 */
export const argocdTarget: Target = {
  name: 'argocd',
  codes: ARGOCD_CODES,
  appliesTo: (env) => env.gitops !== undefined,
  emit: emitArgoCd,
};
