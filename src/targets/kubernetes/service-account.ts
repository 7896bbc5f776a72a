import type { EmitContext, Manifest } from '../target';
import { SyncWave } from '../sync-waves';
import { objectMeta } from './metadata';

/**
 * One ServiceAccount per distinct `service.serviceAccount`: the workload identity that mesh
 * security (SPIFFE principals, Consul intentions, Weft proxy identities) is written against.
 * The API token is not mounted: mesh identity comes from the mesh's certificates, and the
 * application has no business calling the Kubernetes API.
 * @see https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting
 */
export function serviceAccounts(ctx: EmitContext): Manifest[] {
  const out: Manifest[] = [];
  const seen = new Set<string>();
  for (const s of ctx.model.services) {
    const key = `${s.namespace}/${s.serviceAccount}`;
    if (seen.has(key)) continue; // services may share an identity on purpose
    seen.add(key);
    // As cdk8s-plus's ServiceAccount with `automountToken: false` rendered it.
    out.push({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: objectMeta(ctx.model, s.name, s.serviceAccount, s.namespace, SyncWave.foundation),
      automountServiceAccountToken: false,
    });
  }
  return out;
}
