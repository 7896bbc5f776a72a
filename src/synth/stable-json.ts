/** JSON with object keys sorted at every level, so that the same value always gives the same bytes. */
export function stableJson(value: unknown, indent = 2): string {
  return JSON.stringify(sortKeys(value), null, indent);
}

/** A JSON file's bytes: stable JSON and a trailing newline. Targets' `files` and embedded documents use it. */
export function jsonFileText(value: unknown): string {
  return stableJson(value) + '\n';
}

export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    // A loop, not Object.fromEntries(keys.map(…)): no [key, value] pair per key (synth sorts
    // every embedded JSON document and every target's JSON file this way).
    const source = value as Record<string, unknown>;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(source).sort()) {
      // Assigning `__proto__` would set the prototype; fromEntries defined an own key, as here.
      if (key === '__proto__') Object.defineProperty(sorted, key, { value: sortKeys(source[key]), enumerable: true, writable: true, configurable: true });
      else sorted[key] = sortKeys(source[key]);
    }
    return sorted;
  }
  return value;
}
