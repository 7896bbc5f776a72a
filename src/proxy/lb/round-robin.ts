/**
 * Smooth weighted round robin (nginx's algorithm, ngx_http_upstream_get_peer): every pick adds
 * each host's weight to its current value, takes the largest, and subtracts the total from it.
 * With weights 5,1,1 this yields a,a,b,a,c,a,a — interleaved rather than bursty. Equal weights
 * take a plain rotation fast path.
 */
import type { Endpoint } from '../cluster/endpoint';
import type { LoadBalancer } from './types';

export class RoundRobin implements LoadBalancer {
  private readonly current: number[];
  private readonly total: number;
  private readonly uniform: boolean;
  private next = 0;

  constructor(private readonly endpoints: readonly Endpoint[]) {
    this.current = endpoints.map(() => 0);
    this.total = endpoints.reduce((s, e) => s + e.weight, 0);
    this.uniform = endpoints.every((e) => e.weight === endpoints[0]!.weight);
    // Start at a random position so that many proxies do not hit the same host in lock step (Envoy does the same).
    this.next = endpoints.length > 0 ? Math.floor(Math.random() * endpoints.length) : 0;
  }

  pick(): Endpoint | undefined {
    const eps = this.endpoints;
    const n = eps.length;
    if (n <= 1) return eps[0];
    if (this.uniform) {
      const e = eps[this.next]!;
      this.next = this.next + 1 === n ? 0 : this.next + 1;
      return e;
    }
    let best = 0;
    let bestValue = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = (this.current[i]! += eps[i]!.weight);
      if (v > bestValue) {
        bestValue = v;
        best = i;
      }
    }
    this.current[best]! -= this.total;
    return eps[best];
  }
}
