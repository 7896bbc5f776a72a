/**
 * Maglev consistent hashing (Eisenbud et al., NSDI 2016; Envoy MAGLEV): a lookup table of prime
 * size M is filled by letting hosts take turns claiming their next preferred slot from a
 * per-host permutation (offset, skip). Lookups are O(1); weights scale how often a host gets a
 * turn, as in Envoy's weighted Maglev. Default table size 65537 (Envoy).
 * @see https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/load_balancing/load_balancers#maglev
 */
import type { Endpoint } from '../cluster/endpoint';
import type { Exchange } from '../exchange';
import { murmur3 } from './hash';
import type { HashKey, LoadBalancer } from './types';

export class Maglev implements LoadBalancer {
  private readonly table: Int32Array;

  constructor(
    private readonly endpoints: readonly Endpoint[],
    private readonly key: HashKey,
    size: number,
  ) {
    this.table = new Int32Array(endpoints.length === 0 ? 0 : size).fill(-1);
    if (endpoints.length === 0) return;
    const n = endpoints.length;
    const offset = endpoints.map((e) => murmur3(e.hostLabel, 0x9747b28c) % size);
    const skip = endpoints.map((e) => (murmur3(e.hostLabel, 0x5bd1e995) % (size - 1)) + 1);
    const next = new Array<number>(n).fill(0);
    const maxWeight = Math.max(...endpoints.map((e) => e.weight));
    const credit = new Array<number>(n).fill(0);
    let filled = 0;
    while (filled < size) {
      for (let i = 0; i < n && filled < size; i++) {
        credit[i]! += endpoints[i]!.weight / maxWeight;
        while (credit[i]! >= 1 && filled < size) {
          credit[i]! -= 1;
          let slot: number;
          do {
            slot = (offset[i]! + next[i]! * skip[i]!) % size;
            next[i]!++;
          } while (this.table[slot] !== -1);
          this.table[slot] = i;
          filled++;
        }
      }
    }
  }

  pick(ex: Exchange): Endpoint | undefined {
    if (this.table.length === 0) return undefined;
    const k = this.key(ex);
    const h = k === undefined ? (Math.random() * 0x100000000) >>> 0 : murmur3(k);
    return this.endpoints[this.table[h % this.table.length]!];
  }
}
