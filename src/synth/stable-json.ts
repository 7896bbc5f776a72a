import { KeyOrders } from './key-order';

/** JSON with object keys sorted at every level, so that the same value always gives the same bytes. */
export function stableJson(value: unknown, indent = 2): string {
  return JSON.stringify(sortKeys(value), null, indent);
}

/** A JSON file's bytes: stable JSON and a trailing newline. Targets' `files` and embedded documents use it. */
export function jsonFileText(value: unknown): string {
  return stableJson(value) + '\n';
}

/** Per key list: whether `Object.keys` already lists it in sorted order (the object was built sorted). */
const keyOrders = new KeyOrders<boolean>((sorted, keys) => sorted.every((key, i) => key === keys[i]));

/**
 * `value` with the keys of every plain object sorted (integer-like keys first, as JavaScript
 * lists them). Only what needs it is copied: an object whose keys are already in sorted order
 * and none of whose values changes is returned as it is, and so is an array none of whose items
 * changes. Synth sorts every embedded JSON document and every target's JSON file this way, and
 * most of their objects are built in order. The value is never modified.
 */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const sorted = sortKeys(item);
      if (sorted !== item) (copy ??= value.slice())[i] = sorted;
    }
    return copy ?? value;
  }
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const source = value as Record<string, unknown>;
    const { keys, extra: inOrder } = keyOrders.of(source);
    let sorted: Record<string, unknown> | undefined;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const v = sortKeys(source[key]);
      if (sorted === undefined) {
        if (inOrder && v === source[key]) continue;
        // The first key that needs a copy: the keys before it keep their values.
        sorted = {};
        for (let j = 0; j < i; j++) define(sorted, keys[j]!, source[keys[j]!]);
      }
      define(sorted, key, v);
    }
    return sorted ?? value;
  }
  return value;
}

function define(o: Record<string, unknown>, key: string, value: unknown): void {
  // Assigning `__proto__` would set the prototype; fromEntries defined an own key, as here.
  if (key === '__proto__') Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  else o[key] = value;
}
