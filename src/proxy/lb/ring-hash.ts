/**
 * Ring hash (Ketama-style consistent hashing) with virtual nodes: each host owns a number of
 * points on a 32-bit ring proportional to its weight, at least `minimumRingSize` in total
 * (Envoy's minimum_ring_size, default 1024). A key maps to the first point clockwise of its
 * hash. Adding or removing one host moves only ~1/N of the keys.
 * @see https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/load_balancing/load_balancers#ring-hash
 */
import type { Endpoint } from '../cluster/endpoint';
import type { Exchange } from '../exchange';
import { murmur3 } from './hash';
import type { HashKey, LoadBalancer } from './types';

export class RingHash implements LoadBalancer {
  private readonly hashes: Uint32Array;
  private readonly owners: Endpoint[];

  constructor(
    endpoints: readonly Endpoint[],
    private readonly key: HashKey,
    minimumRingSize: number,
  ) {
    const totalWeight = endpoints.reduce((s, e) => s + e.weight, 0);
    const ringSize = Math.max(minimumRingSize, endpoints.length);
    const points: Array<[number, Endpoint]> = [];
    for (const e of endpoints) {
      const count = Math.max(1, Math.round((ringSize * e.weight) / totalWeight));
      for (let i = 0; i < count; i++) points.push([murmur3(`${e.hostLabel}_${i}`), e]);
    }
    points.sort((a, b) => a[0] - b[0]);
    this.hashes = Uint32Array.from(points, (p) => p[0]);
    this.owners = points.map((p) => p[1]);
  }

  pick(ex: Exchange): Endpoint | undefined {
    const n = this.hashes.length;
    if (n === 0) return undefined;
    const k = this.key(ex);
    // No hash key: Envoy picks a random host rather than pinning all such requests to one.
    const h = k === undefined ? (Math.random() * 0x100000000) >>> 0 : murmur3(k);
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.hashes[mid]! < h) lo = mid + 1;
      else hi = mid;
    }
    return this.owners[lo === n ? 0 : lo];
  }
}
