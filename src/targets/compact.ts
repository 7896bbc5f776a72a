/**
 * Removes keys whose value is undefined, so that emitters can build objects with optional fields
 * inline. A loop rather than `Object.fromEntries(Object.entries(o).filter(…))`: it runs for
 * nearly every object a target builds, and the pairs and arrays of that form were a measurable
 * share of synth's garbage at 1,000 services (docs/performance.md, "Synth").
 */
export function compact<T extends Record<string, unknown>>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(o)) {
    const value = o[key];
    if (value === undefined) continue;
    // Assigning `__proto__` would set the prototype; keep it an own key, as fromEntries did.
    if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    else out[key] = value;
  }
  return out as T;
}
