import { describe, expect, it } from 'vitest';
import { KeyOrders, sortedKeyOrder } from '../../src/synth/key-order';

/** The order of the keys of a copy built by inserting them sorted: what the cached order must equal. */
const copyOrder = (o: object) => Object.keys(Object.fromEntries(Object.keys(o).sort().map((k) => [k, 0])));

describe('KeyOrders', () => {
  it('gives each key list the order of a sorted copy, integer-like keys first, for lists that share prefixes', () => {
    const orders = new KeyOrders(() => null);
    const objects: object[] = [{ b: 1, a: 1 }, { b: 1 }, { b: 1, a: 1, c: 1 }, { b: 1, c: 1, a: 1 }, { 10: 1, 2: 1, b: 1, a: 1 }, { '01': 1, 1: 1, '-1': 1 }, { 4294967295: 1, 4294967294: 1, z: 1 }, {}, { __proto__: null, y: 1, x: 1 }];
    for (let round = 0; round < 2; round++) {
      for (const o of objects) expect(orders.of(o).keys, JSON.stringify(o)).toEqual(copyOrder(o));
    }
  });

  it('derives once per key list, from the sorted order and the original order', () => {
    const calls: string[] = [];
    const orders = new KeyOrders((sorted, keys) => {
      calls.push(`${keys.join(',')}>${sorted.join(',')}`);
      return sorted.length;
    });
    for (let i = 0; i < 3; i++) {
      expect(orders.of({ b: i, a: i }).extra).toBe(2);
      expect(orders.of({ a: i, b: i }).extra).toBe(2);
    }
    expect(calls).toEqual(['b,a>a,b', 'a,b>a,b']);
  });

  it('matches a plain sort on many generated key lists (as sortedKeyOrder)', () => {
    const orders = new KeyOrders(() => 0);
    const names = ['a', 'B', 'b', '_', '10', '9', '0', 'é', 'apiVersion', 'kind', 'metadata', 'spec', '__proto__'];
    for (let i = 0; i < 2000; i++) {
      const keys = names.filter((_, j) => ((i * 2654435761) >>> j) & 1).reverse();
      const o = Object.fromEntries(keys.map((k) => [k, 0]));
      expect(orders.of(o).keys).toEqual(copyOrder(o));
      expect(sortedKeyOrder(Object.keys(o))).toEqual(copyOrder(o));
    }
  });

  it('sorts an object with more keys than the trie holds, without caching it', () => {
    const keys = Array.from({ length: 200_001 }, (_, i) => `k${200_001 - i}`);
    const o = Object.fromEntries(keys.map((k) => [k, 0]));
    const orders = new KeyOrders(() => 0);
    expect(orders.of(o).keys).toEqual([...keys].sort());
    expect(orders.of({ b: 1, a: 1 }).keys).toEqual(['a', 'b']);
  });
});
