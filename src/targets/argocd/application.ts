import { commonLabels } from '../naming';
import type { Manifest } from '../target';
import type { IgnoreDifference } from './ignore-differences';
import { directorySource } from './source';
import type { Delivery } from './settings';
import { syncPolicy } from './sync-policy';

/**
 * The `spec` shared by an Application and an ApplicationSet's template. Every object Weft
 * writes carries its namespace; `destination.namespace` is the namespace CreateNamespace makes
 * sure of, and the default for an object without one (there are none).
 * @see https://argo-cd.readthedocs.io/en/stable/user-guide/application-specification/
 */
export function applicationSpec(delivery: Delivery, path: string, namespace: string, ignore: IgnoreDifference[]): Record<string, unknown> {
  return {
    project: delivery.project,
    source: directorySource(delivery.repoUrl, delivery.targetRevision, path),
    destination: { server: delivery.destinationServer, namespace },
    syncPolicy: syncPolicy(),
    ...(ignore.length ? { ignoreDifferences: ignore } : {}),
  };
}

/**
 * One environment's Application, pointing at `dist/<env>`. No deletion finalizer: deleting the
 * Application leaves the mesh running (a cascade delete of a whole mesh should be a decision,
 * `argocd app delete --cascade`, not a side effect).
 */
export function application(mesh: string, env: string, delivery: Delivery, namespace: string, ignore: IgnoreDifference[]): Manifest {
  const name = `${mesh}-${env}`;
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace: delivery.argocdNamespace, labels: commonLabels({ name: mesh }, name) },
    spec: applicationSpec(delivery, `${delivery.distPath}/${env}`, namespace, ignore),
  };
}
