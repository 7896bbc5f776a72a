import type { Chart } from 'cdk8s';
import type { EmitContext } from '../target';
import { SyncWave } from '../sync-waves';
import { objectMeta } from './metadata';
import { PlainObject } from './plain-object';

/**
 * One ServiceAccount per distinct `service.serviceAccount`: the workload identity that mesh
 * security (SPIFFE principals, Consul intentions, Weft proxy identities) is written against.
 * The API token is not mounted: mesh identity comes from the mesh's certificates, and the
 * application has no business calling the Kubernetes API.
 * @see https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting
 */
export function emitServiceAccounts(chart: Chart, ctx: EmitContext): void {
  const seen = new Set<string>();
  for (const s of ctx.model.services) {
    const key = `${s.namespace}/${s.serviceAccount}`;
    if (seen.has(key)) continue; // services may share an identity on purpose
    seen.add(key);
    // As cdk8s-plus's ServiceAccount with `automountToken: false` renders it.
    new PlainObject(chart, `ServiceAccount:${key.replace('/', ':')}`, {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: objectMeta(ctx.model, s.name, s.serviceAccount, s.namespace, SyncWave.foundation),
      automountServiceAccountToken: false,
    });
  }
}
