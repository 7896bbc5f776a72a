/**
 * Applies the JSON Schema's `default`s inside unions, which ajv's `useDefaults` skips by
 * design (defaults under anyOf/oneOf are ambiguous; ajv docs, "Assigning defaults"). The
 * proxy's unions are tagged (`action.type`, `loadBalancer.type`) or have disjoint required
 * fields, so the branch is the first one the value validates against — the same rule as
 * zod's union, the source of truth. Validating the value against that branch with
 * `useDefaults` fills its defaults; then nested unions are handled the same way.
 * Runs once per config load, never per request.
 */
import type { ValidateFunction } from 'ajv';
import { escapePointer } from './json-pointer';
import type { Schema } from './validators';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Fills defaults in `value` (mutated in place) under every union of `schema`, the subschema at
 * `pointer`; `validatorAt` returns the (useDefaults) validator of a subschema by pointer.
 */
export function applyUnionDefaults(schema: Schema, value: unknown, validatorAt: (pointer: string) => ValidateFunction, pointer = ''): void {
  for (const keyword of ['anyOf', 'oneOf'] as const) {
    const union = schema[keyword] as Schema[] | undefined;
    if (!union) continue;
    const i = union.findIndex((_, j) => validatorAt(`${pointer}/${keyword}/${j}`)(structuredClone(value)));
    // Tried on copies: a failing branch may already have inserted its defaults.
    if (i === -1) continue;
    validatorAt(`${pointer}/${keyword}/${i}`)(value);
    applyUnionDefaults(union[i]!, value, validatorAt, `${pointer}/${keyword}/${i}`);
  }
  if (isObject(value)) {
    const props = schema.properties as Record<string, Schema> | undefined;
    if (props) for (const k of Object.keys(props)) if (k in value) applyUnionDefaults(props[k]!, value[k], validatorAt, `${pointer}/properties/${escapePointer(k)}`);
    const extra = schema.additionalProperties;
    if (isObject(extra)) for (const k of Object.keys(value)) if (!props || !(k in props)) applyUnionDefaults(extra, value[k], validatorAt, `${pointer}/additionalProperties`);
  } else if (Array.isArray(value) && isObject(schema.items)) {
    for (const item of value) applyUnionDefaults(schema.items, item, validatorAt, `${pointer}/items`);
  }
}
