import type { Target } from './target';

/**
 * Every target, in emission order. The Kubernetes target comes first; mesh targets follow.
 * Each lives in its own folder and exports one `Target`.
 */
export const TARGETS: readonly Target[] = [];
