import type { Target } from '../target';
import { KUBERNETES_CODES } from './codes';
import { emitKubernetes } from './emit';

export { KUBERNETES_CODES } from './codes';
export { APP_PROTOCOL } from './service';
export { DEFAULT_DENY_NAME } from './network-policy';

/**
 * The Kubernetes target: Namespaces, ServiceAccounts, ConfigMaps, a Deployment per version,
 * Services, HorizontalPodAutoscalers, PodDisruptionBudgets and NetworkPolicies, each built by a
 * plain function (emit.ts). It runs for every environment; the environment's mesh target adds
 * its sidecar and labels through `EmitContext.wiring`, which synth fills in from that target's
 * `wiring`, so that this target knows no mesh target.
 */
export const kubernetesTarget: Target = {
  name: 'kubernetes',
  codes: KUBERNETES_CODES,
  appliesTo: () => true,
  emit: emitKubernetes,
};
