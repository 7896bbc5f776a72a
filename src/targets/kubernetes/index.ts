import type { Target } from '../target';
import { KUBERNETES_CODES } from './codes';
import { emitKubernetes } from './emit';
import { meshWiring, type WiringSource } from './wiring';

export { KUBERNETES_CODES } from './codes';
export { APP_PROTOCOL } from './service';
export { DEFAULT_DENY_NAME } from './network-policy';
export { MESH_TARGETS, type WiringSource } from './wiring';

export interface KubernetesTargetOptions {
  /**
   * Where workload wiring comes from.
   * @default the environment's mesh target's `wiring` (one of `MESH_TARGETS`)
   */
  wiring?: WiringSource;
}

/**
 * The Kubernetes target: Namespaces, ServiceAccounts, ConfigMaps, a Deployment per version,
 * Services, HorizontalPodAutoscalers, PodDisruptionBudgets and NetworkPolicies, written as
 * plain data in a cdk8s chart, shaped as cdk8s-plus-27 renders them (emit.ts). It runs for every environment; the environment's mesh target adds
 * its sidecar and labels through `wiring`.
 */
export function createKubernetesTarget(options: KubernetesTargetOptions = {}): Target {
  return {
    name: 'kubernetes',
    codes: KUBERNETES_CODES,
    appliesTo: () => true,
    emit: (ctx) => emitKubernetes(ctx, options.wiring ?? meshWiring()),
  };
}

export const kubernetesTarget: Target = createKubernetesTarget();
