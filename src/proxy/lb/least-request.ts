/**
 * Least request with the power of two choices: sample `choiceCount` hosts at random and take
 * the one with the fewest requests in flight (Envoy LEAST_REQUEST, choice_count default 2;
 * Mitzenmacher's result that two random choices are exponentially better than one).
 * With unequal weights the comparison uses active / weight, the spirit of Envoy's weighted
 * variant (weight / (active + 1)^bias with bias 1).
 * @see https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/load_balancing/load_balancers#weighted-least-request
 */
import type { Endpoint } from '../cluster/endpoint';
import type { LoadBalancer } from './types';

export class LeastRequest implements LoadBalancer {
  constructor(
    private readonly endpoints: readonly Endpoint[],
    private readonly choiceCount: number,
  ) {}

  pick(): Endpoint | undefined {
    const eps = this.endpoints;
    const n = eps.length;
    if (n <= 1) return eps[0];
    let best: Endpoint | undefined;
    let bestScore = Infinity;
    for (let c = 0; c < this.choiceCount; c++) {
      const e = eps[Math.floor(Math.random() * n)]!;
      const score = (e.active + 1) / e.weight;
      if (score < bestScore) {
        bestScore = score;
        best = e;
      }
    }
    return best;
  }
}
