import { commonLabels } from '../naming';
import type { Manifest } from '../target';
import { applicationSpec } from './application';
import type { IgnoreDifference } from './ignore-differences';
import type { Delivery } from './settings';

/**
 * One ApplicationSet for every environment delivered by Argo CD: a git directory generator
 * lists each environment's folder by name (not `dist/*`, which would also pick up
 * `dist/verify` and environments not meant for Argo CD) and the template makes one Application
 * per folder, named `<mesh>-<env>` like the Applications of `delivery: 'application'`.
 * `preserveResourcesOnDeletion` keeps the mesh running when the ApplicationSet is deleted.
 * @see https://argo-cd.readthedocs.io/en/stable/operator-manual/applicationset/Generators-Git/#git-generator-directories
 * @see https://argo-cd.readthedocs.io/en/stable/operator-manual/applicationset/GoTemplate/
 */
export function applicationSet(mesh: string, delivery: Delivery, namespace: string, ignore: IgnoreDifference[]): Manifest {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'ApplicationSet',
    metadata: { name: mesh, namespace: delivery.argocdNamespace, labels: commonLabels({ name: mesh }, mesh) },
    spec: {
      goTemplate: true,
      goTemplateOptions: ['missingkey=error'],
      generators: [
        {
          git: {
            repoURL: delivery.repoUrl,
            revision: delivery.targetRevision,
            directories: delivery.covered.map((e) => ({ path: `${delivery.distPath}/${e.name}` })),
          },
        },
      ],
      template: {
        metadata: { name: `${mesh}-{{.path.basename}}`, labels: commonLabels({ name: mesh }, mesh) },
        spec: applicationSpec(delivery, '{{.path.path}}', namespace, ignore),
      },
      syncPolicy: { preserveResourcesOnDeletion: true },
    },
  };
}
