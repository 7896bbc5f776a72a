import { z } from 'zod';
import { nodeMetaSchema } from './common';

/**
 * A Kubernetes object the user added to a team's namespace through the escape hatch
 * (`team.chart`: any cdk8s construct, a cdk8s-plus construct or an imported CRD class),
 * synthesized to plain JSON when the model is built, so that the model stays plain data. The
 * location is where the user created the construct (a direct child of the chart).
 */
export const kubernetesObjectSchema = nodeMetaSchema.extend({
  /** The object as cdk8s rendered it: `apiVersion`, `kind`, `metadata` and the rest. */
  manifest: z.record(z.string(), z.unknown()),
});
export type KubernetesObject = z.infer<typeof kubernetesObjectSchema>;

/**
 * Kinds the Kubernetes API serves cluster-wide: they have no namespace, so an escape-hatch
 * object of one of them is written without the team's namespace (cdk8s's Chart puts its
 * namespace on every object), under `_cluster/`, and the Argo CD AppProject admits it
 * cluster-wide.
 * @see https://kubernetes.io/docs/reference/kubernetes-api/ (`kubectl api-resources --namespaced=false`)
 */
const CLUSTER_SCOPED = new Set([
  'Namespace', 'Node', 'PersistentVolume', 'StorageClass', 'CSIDriver', 'CSINode', 'VolumeAttachment',
  'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'APIService', 'PriorityClass', 'RuntimeClass', 'IngressClass',
  'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding',
  'FlowSchema', 'PriorityLevelConfiguration', 'CertificateSigningRequest', 'ClusterIssuer',
]);

export function isClusterScopedKind(kind: string): boolean {
  return CLUSTER_SCOPED.has(kind);
}

/**
 * One RFC 6902 operation.
 * @see https://www.rfc-editor.org/rfc/rfc6902#section-4
 */
export const jsonPatchOperationSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('add'), path: z.string(), value: z.unknown() }),
  z.object({ op: z.literal('remove'), path: z.string() }),
  z.object({ op: z.literal('replace'), path: z.string(), value: z.unknown() }),
  z.object({ op: z.literal('move'), from: z.string(), path: z.string() }),
  z.object({ op: z.literal('copy'), from: z.string(), path: z.string() }),
  z.object({ op: z.literal('test'), path: z.string(), value: z.unknown() }),
]);
export type JsonPatchOperation = z.infer<typeof jsonPatchOperationSchema>;

/**
 * JSON patches for emitted objects (`mesh.patch`): the objects the selector picks, in the
 * environments and targets it names, get the operations in order, after their target emitted
 * them and before the schema check.
 */
export const objectPatchSchema = nodeMetaSchema.extend({
  name: z.string(),
  select: z.object({
    kind: z.string(),
    name: z.string(),
    namespace: z.string().optional(),
    apiVersion: z.string().optional(),
    /** The target's folder under `dist/<env>/` (`kubernetes`, `istio`, …); any when absent. */
    target: z.string().optional(),
    /** Environment names; every environment when absent. */
    environments: z.array(z.string()).optional(),
  }),
  ops: z.array(jsonPatchOperationSchema).min(1),
});
export type ObjectPatch = z.infer<typeof objectPatchSchema>;

