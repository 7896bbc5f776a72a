import type { PlannedCheck } from './types';

type SplitSpec = Extract<PlannedCheck['spec'], { type: 'split' }>;
export type DeclaredWeight = SplitSpec['weights'][number];

/** The declared weight of each version among `destinations` (a version listed twice sums). */
export function weightsByVersion(destinations: readonly { version?: string; weight: number }[]): DeclaredWeight[] {
  const versions = [...new Set(destinations.map((d) => d.version).filter((v): v is string => v !== undefined))];
  return versions.map((version) => ({ version, weight: destinations.filter((d) => d.version === version).reduce((n, d) => n + d.weight, 0) }));
}

/**
 * A split check for every protocol: one binomial test for a split of two versions (the other
 * share is its complement, so a second test would only spend the family's α), one per version
 * otherwise; the sample size comes from ./sizes.ts when the plan is sized (`probes: 0` here).
 */
export function splitCheck(
  check: Pick<PlannedCheck, 'id' | 'title' | 'declaration' | 'via' | 'lane'> & Partial<Pick<PlannedCheck, 'rateCap' | 'resources'>>,
  weights: DeclaredWeight[],
  spec: Omit<SplitSpec, 'type' | 'weights' | 'tests'>,
): PlannedCheck {
  const tests = (weights.length === 2 ? weights.slice(0, 1) : weights).map((w) => ({ outcome: `version ${w.version}`, expected: w.weight / 100 }));
  const { id, title, declaration, via, lane, rateCap, resources } = check;
  return {
    id,
    kind: 'split',
    title,
    declaration,
    via,
    probes: 0,
    ...(rateCap !== undefined ? { rateCap } : {}),
    expectation: weights.map((w) => `${w.version} ${w.weight}%`).join(' / '),
    lane,
    phase: 'statistical',
    spec: { type: 'split', requests: spec.requests, service: spec.service, weights, tests, ...(spec.protocol ? { protocol: spec.protocol } : {}), ...(spec.listener ? { listener: spec.listener } : {}) },
    ...(resources ? { resources } : {}),
  };
}
