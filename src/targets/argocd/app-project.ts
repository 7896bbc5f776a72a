import { commonLabels } from '../naming';
import type { Manifest } from '../target';
import { FLAVOUR_NAMESPACES, clusterKinds, mergeKinds, namespacedKinds, type GroupKind } from './kinds';
import type { Delivery } from './settings';

/**
 * The AppProject of a delivery: its Applications may read only the declared repository, write
 * only to the declared cluster's namespaces that Weft writes to, and create only the kinds Weft
 * emits for the environments' meshes (cluster-wide: Namespaces, and the weft mesh's ClusterIssuers),
 * plus the kinds teams added through the escape hatch (`userKinds`). A hand-written object of
 * another kind in dist/ fails the sync instead of reaching the cluster.
 * @see https://argo-cd.readthedocs.io/en/stable/user-guide/projects/
 */
export function appProject(mesh: string, delivery: Delivery, namespaces: readonly string[], userKinds: { cluster: GroupKind[]; namespaced: GroupKind[] } = { cluster: [], namespaced: [] }): Manifest {
  const flavours = [...new Set(delivery.covered.map((e) => e.mesh))].sort();
  const all = [...new Set([...namespaces, ...flavours.flatMap((f) => FLAVOUR_NAMESPACES[f])])].sort();
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AppProject',
    metadata: { name: delivery.project, namespace: delivery.argocdNamespace, labels: commonLabels({ name: mesh }, delivery.project) },
    spec: {
      description: `Weft mesh "${mesh}": ${delivery.covered.map((e) => `${e.name} (${e.mesh})`).join(', ')}`,
      sourceRepos: [delivery.repoUrl],
      destinations: all.map((namespace) => ({ server: delivery.destinationServer, namespace })),
      clusterResourceWhitelist: mergeKinds(clusterKinds(flavours), userKinds.cluster),
      namespaceResourceWhitelist: mergeKinds(namespacedKinds(flavours), userKinds.namespaced),
    },
  };
}
