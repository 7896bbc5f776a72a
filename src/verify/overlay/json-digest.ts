import { createHash } from 'node:crypto';

type Replacer = (this: unknown, key: string, value: unknown) => unknown;

/** Pieces of text are hashed in batches of about this many characters. */
const BATCH = 1 << 16;
/** Levels of objects and arrays written piece by piece; below them each value is one JSON.stringify. */
const LEVELS = 3;

/**
 * The SHA-256 (hex) of `JSON.stringify(value, replacer)`, without ever holding that text: the
 * outer `LEVELS` levels of objects and arrays are written piece by piece and every value below
 * them by JSON.stringify, each piece hashed as it comes. For a model of 10,000 services the
 * whole text is tens of megabytes, held at once only to be hashed.
 *
 * The pieces are the same characters as JSON.stringify's, in its order (ECMA-262
 * SerializeJSONProperty, SerializeJSONObject, SerializeJSONArray, no indentation): `toJSON` first,
 * then the replacer with its holder as `this`; own enumerable string keys in `Object.keys`
 * order; a property whose value becomes undefined, a function or a symbol is left out, and
 * such an array element is `null`.
 * @see https://tc39.es/ecma262/#sec-json.stringify
 * Exact for plain data (what it is used for): a value that only gains a `toJSON` from the
 * replacer would have it called again by the nested JSON.stringify.
 */
export function jsonSha256(value: unknown, replacer: Replacer): string {
  const hash = createHash('sha256');
  let pending = '';
  const write = (text: string) => {
    pending += text;
    if (pending.length >= BATCH) {
      hash.update(pending);
      pending = '';
    }
  };
  const root = resolved({ '': value }, '', replacer);
  // JSON.stringify gives undefined for such a root; `update` was never asked to hash that.
  if (omitted(root)) throw new TypeError('jsonSha256: the value has no JSON text');
  writeValue(root, replacer, write, LEVELS);
  hash.update(pending);
  return hash.digest('hex');
}

/** `holder[key]` as JSON.stringify sees it: through `toJSON`, then the replacer. */
function resolved(holder: object, key: string, replacer: Replacer): unknown {
  let value = (holder as Record<string, unknown>)[key];
  if (typeof value === 'object' && value !== null && typeof (value as { toJSON?: unknown }).toJSON === 'function') value = (value as { toJSON: (key: string) => unknown }).toJSON(key);
  return replacer.call(holder, key, value);
}

/** Values JSON.stringify leaves out of an object (and writes as `null` in an array). */
function omitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

/** Writes a resolved, not omitted value as JSON. */
function writeValue(value: unknown, replacer: Replacer, write: (text: string) => void, levels: number): void {
  if (levels === 0 || typeof value !== 'object' || value === null) {
    // JSON.stringify itself, below the outer levels and for every primitive; the replacer has
    // been applied to this value already, so its call for the wrapper's key "" is skipped.
    let outer = true;
    write(
      JSON.stringify(value, function (this: unknown, k: string, v: unknown) {
        if (outer) {
          outer = false;
          return v;
        }
        return replacer.call(this, k, v);
      }),
    );
    return;
  }
  if (Array.isArray(value)) {
    write('[');
    for (let i = 0; i < value.length; i++) {
      if (i > 0) write(',');
      const item = resolved(value, String(i), replacer);
      if (omitted(item)) write('null');
      else writeValue(item, replacer, write, levels - 1);
    }
    write(']');
    return;
  }
  write('{');
  let first = true;
  for (const key of Object.keys(value)) {
    const item = resolved(value, key, replacer);
    if (omitted(item)) continue;
    write(`${first ? '' : ','}${JSON.stringify(key)}:`);
    first = false;
    writeValue(item, replacer, write, levels - 1);
  }
  write('}');
}
