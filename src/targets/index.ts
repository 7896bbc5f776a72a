import type { Target } from './target';
import { kubernetesTarget } from './kubernetes/index';
import { istioTarget } from './istio/index';
import { weftTarget } from './weft/index';
import { consulTarget } from './consul/index';
import { observabilityTarget } from './observability/index';
import { argocdTarget } from './argocd/index';

/**
 * Every target, in emission order. The Kubernetes target comes first; mesh targets follow.
 * Each lives in its own folder and exports one `Target`.
 */
export const TARGETS: readonly Target[] = [
  kubernetesTarget,
  istioTarget,
  weftTarget,
  consulTarget,
  observabilityTarget,
  argocdTarget,
];
