/** Weighted random choice (Envoy RANDOM; weights honoured as in its EDF-free random LB). */
import type { Endpoint } from '../cluster/endpoint';
import type { LoadBalancer } from './types';

export class RandomLb implements LoadBalancer {
  private readonly cumulative: number[] = [];
  private readonly total: number;

  constructor(private readonly endpoints: readonly Endpoint[]) {
    let sum = 0;
    for (const e of endpoints) this.cumulative.push((sum += e.weight));
    this.total = sum;
  }

  pick(): Endpoint | undefined {
    const eps = this.endpoints;
    if (eps.length <= 1) return eps[0];
    const r = Math.random() * this.total;
    for (let i = 0; i < eps.length; i++) if (r < this.cumulative[i]!) return eps[i];
    return eps[eps.length - 1];
  }
}
