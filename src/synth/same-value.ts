/**
 * Whether two emitted values are the same value in the sense that matters for reusing a file's
 * text: every renderer synth has (`manifestYaml`, `jsonFileText`) gives both the same bytes.
 * The verification overlay asks it of each of its objects and the environment's object at the
 * same path (src/synth/overlay-emit.ts); most are equal (routes, policies, Services), and a yes
 * saves serializing and schema-checking the object a second time.
 *
 * Stricter than the renderers, never looser: a false "no" only costs the second rendering.
 * - Primitives compare with `Object.is`: `0` and `-0` differ (YAML writes `-0`), `NaN` equals
 *   `NaN`. (`JSON.stringify` equality would not do: it writes `NaN` and `null` alike, and `-0`
 *   as `0`, where the YAML of the two differs.)
 * - Arrays: same length, holes at the same indexes, items the same.
 * - Objects: both plain (prototype `Object.prototype` or `null`, the only objects the renderers
 *   take apart), the same own enumerable string keys (in any order: both renderers sort keys),
 *   each value the same. A key whose value is `undefined` counts as a key, although both
 *   renderers drop it.
 * - Anything else (a class instance, a function) only when it is the very same object.
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) return Array.isArray(b) && sameItems(a, b);
  if (Array.isArray(b) || !isPlain(a) || !isPlain(b)) return false;
  return sameEntries(a as Record<string, unknown>, b as Record<string, unknown>);
}

function sameItems(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (i in a !== i in b) return false;
    if (!sameValue(a[i], b[i])) return false;
  }
  return true;
}

function sameEntries(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = Object.keys(a);
  const others = Object.keys(b);
  if (keys.length !== others.length) return false;
  // The environment's and the overlay's objects come from the same emitters, so their keys are
  // nearly always in the same order: then the two key lists name the same keys, and no key
  // needs a membership test. Any other order takes the test per key.
  let inOrder = true;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (inOrder && key !== others[i]) inOrder = false;
    if (!inOrder && !Object.prototype.propertyIsEnumerable.call(b, key)) return false;
    if (!sameValue(a[key], b[key])) return false;
  }
  return true;
}

function isPlain(o: object): boolean {
  const proto = Object.getPrototypeOf(o);
  return proto === Object.prototype || proto === null;
}
