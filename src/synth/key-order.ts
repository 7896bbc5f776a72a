/**
 * The sorted order of an object's keys, remembered per key list.
 *
 * Synth writes every object with its keys sorted (YAML manifests and JSON files alike), and the
 * objects of a mesh have few shapes: at 1,000 services about 300,000 objects share about 1,100
 * key lists (every container, port, label set and route has the same keys in the same order).
 * Sorting each of them again cost more than anything else in serialization. So the key lists
 * seen are kept in a trie, one level per key in `Object.keys` order, and each list's sorted
 * order is computed once: a lookup is one Map probe per key and allocates nothing.
 */
export interface KeyOrder<Extra> {
  /** The keys in the order the sorted copy lists them (see sortedKeyOrder). Shared: do not modify. */
  readonly keys: readonly string[];
  /** What the cache's owner derives once per key list (e.g. each key's rendered text). */
  readonly extra: Extra;
}

interface TrieNode<Extra> {
  next: Map<string, TrieNode<Extra>> | undefined;
  order: KeyOrder<Extra> | undefined;
}

/**
 * Bound the trie: maps keyed by data (label values, per-service entries) add a path per
 * distinct key list. 1,000 services need about 6,000 nodes; past the bound the trie starts over.
 */
const NODE_LIMIT = 200_000;

export class KeyOrders<Extra> {
  private root: TrieNode<Extra> = { next: undefined, order: undefined };
  private nodes = 0;

  /** @param derive what to remember with each key list, from its sorted order and `Object.keys` order; it may throw, and then nothing is remembered. */
  constructor(private readonly derive: (sorted: readonly string[], keys: readonly string[]) => Extra) {}

  /** The sorted order of `Object.keys(o)`, including keys whose value is undefined. */
  of(o: object): KeyOrder<Extra> {
    const keys = Object.keys(o);
    if (keys.length >= NODE_LIMIT) return this.uncached(keys); // would not fit even in an empty trie
    let node = this.root;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      let next = node.next?.get(key);
      if (next === undefined) {
        if (this.nodes >= NODE_LIMIT) {
          this.root = { next: undefined, order: undefined };
          this.nodes = 0;
          return this.of(o);
        }
        next = { next: undefined, order: undefined };
        (node.next ??= new Map()).set(key, next);
        this.nodes++;
      }
      node = next;
    }
    return (node.order ??= this.uncached(keys));
  }

  private uncached(keys: readonly string[]): KeyOrder<Extra> {
    const sorted = sortedKeyOrder(keys);
    return { keys: sorted, extra: this.derive(sorted, keys) };
  }
}

/**
 * `keys` (as `Object.keys` lists them) in the order an object built by inserting them sorted
 * lists them: JavaScript lists integer-like keys (array indices) first, in ascending numeric
 * order, whatever the insertion order, then the other keys in insertion order. `Object.keys`
 * already lists the integer-like keys first and ascending, so only the rest is sorted.
 * @see https://tc39.es/ecma262/#sec-ordinaryownpropertykeys
 */
export function sortedKeyOrder(keys: readonly string[]): string[] {
  let ints = 0;
  while (ints < keys.length && isArrayIndex(keys[ints]!)) ints++;
  return ints === 0 ? [...keys].sort() : [...keys.slice(0, ints), ...keys.slice(ints).sort()];
}

/** An array index: a canonical integer string below 2^32 − 1. */
function isArrayIndex(key: string): boolean {
  return /^(?:0|[1-9]\d*)$/.test(key) && Number(key) < 4294967295;
}
