/**
 * The config schema with its large subschemas moved into `$defs` and referenced, for generating
 * the proxy's precompiled document validator (../precompiled-validators.ts). It validates exactly
 * as the inline schema does — a `$ref` to a `$defs` entry applies that subschema in place (JSON
 * Schema 2020-12 §8.2.3.1), and errors keep their instance paths — but ajv then emits one
 * function per referenced subschema (with `inlineRefs: false`) instead of one 480 KB function.
 *
 * Why: V8 compiles a function on its first call, and the parse and bytecode zones of one 480 KB
 * function peak at 7.2 MB (`--trace-zone-stats`). On Node 24 that memory comes from small
 * malloc segments that glibc keeps after V8 frees them — 6.6 MB of a running proxy's RSS
 * (`malloc_trim(0)` through gdb returns exactly that). Functions of a few KB each need a zone of
 * their size, reused from one compile to the next.
 * @see https://json-schema.org/draft/2020-12/json-schema-core#section-8.2.3.1
 * @see https://ajv.js.org/options.html#inlinerefs
 */

/**
 * Keywords whose value is a subschema, or an array / a name-keyed map of them (JSON Schema
 * 2020-12 §10.2–10.3), that apply it to an instance as it is. Subschemas under the others
 * (`anyOf`, `oneOf`, `not`, `if`/`then`/`else`, `contains`…) stay where they are, whole: ajv
 * applies no `default` inside them (its "composite rules"), but a referenced function does not
 * know it is called from one, and would fill defaults in while trying a branch.
 * @see https://ajv.js.org/guide/modifying-data.html#assigning-defaults
 */
const SCHEMA_VALUED = new Set(['items', 'additionalProperties']);
const SCHEMA_MAPS = new Set(['properties', 'patternProperties']);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * `schema` with every subschema whose JSON is longer than `maxChars` moved to `$defs` (named `s0`,
 * `s1`… in document order, so the output is deterministic). A moved subschema's `default` stays
 * beside its `$ref` too: ajv's `useDefaults` reads `default` where the property is declared.
 * `maxChars` 1,024: on Node 24 the memory a validation leaves behind fell from 6.6 MB to 0.5 MB
 * (4,096: 1.0 MB), with no change in what the validator does (test/proxy/memory-split-schema.test.ts).
 */
export function splitLargeSubschemas(schema: Record<string, unknown>, maxChars = 1024): Record<string, unknown> {
  if ('$defs' in schema) throw new Error('splitLargeSubschemas: the schema already has $defs');
  const defs: Record<string, Json> = {};
  const hoist = (sub: Json): Json => {
    if (typeof sub !== 'object' || sub === null || Array.isArray(sub) || JSON.stringify(sub).length <= maxChars) return sub;
    const name = `s${Object.keys(defs).length}`;
    defs[name] = sub;
    return { $ref: `#/$defs/${name}`, ...('default' in sub ? { default: sub.default! } : {}) };
  };
  // Children first, so that a parent is measured without what its children moved out.
  const visit = (node: Json): Json => {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return node;
    const out: Record<string, Json> = {};
    for (const [key, value] of Object.entries(node)) {
      if (SCHEMA_VALUED.has(key) && typeof value === 'object' && value !== null && !Array.isArray(value)) out[key] = hoist(visit(value));
      else if (SCHEMA_MAPS.has(key) && typeof value === 'object' && value !== null && !Array.isArray(value)) out[key] = Object.fromEntries(Object.entries(value).map(([name, s]) => [name, hoist(visit(s))]));
      // Composite keywords (above), and `default`, `const`, `enum`, `examples` and annotations, which are data: kept as they are.
      else out[key] = value;
    }
    return out;
  };
  const root = visit(schema as Json) as Record<string, Json>;
  return { ...root, $defs: defs };
}
