/**
 * Applies the JSON Schema's `default`s inside unions, which ajv's `useDefaults` skips by
 * design (defaults under anyOf/oneOf are ambiguous; ajv docs, "Assigning defaults"). The
 * proxy's unions are tagged (`action.type`, `loadBalancer.type`) or have disjoint required
 * fields, so the branch is the first one the value validates against — the same rule as
 * zod's union, the source of truth. Validating the value against that branch with
 * `useDefaults` fills its defaults; then nested unions are handled the same way.
 * Runs once per config load, never per request.
 */
import type Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';

type Schema = Record<string, unknown>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export class UnionDefaults {
  private readonly compiled = new Map<Schema, ValidateFunction>();

  constructor(private readonly ajv: Ajv) {}

  /** Fills defaults in `value` (mutated in place) under every union of `schema`. */
  apply(schema: Schema, value: unknown): void {
    const union = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
    if (union) {
      for (const branch of union) {
        // Try on a copy: a failing branch may already have inserted its defaults.
        if (!this.validator(branch)(structuredClone(value))) continue;
        this.validator(branch)(value);
        this.apply(branch, value);
        break;
      }
    }
    if (isObject(value)) {
      const props = schema.properties as Record<string, Schema> | undefined;
      if (props) for (const k of Object.keys(props)) if (k in value) this.apply(props[k]!, value[k]);
      const extra = schema.additionalProperties;
      if (isObject(extra)) for (const k of Object.keys(value)) if (!props || !(k in props)) this.apply(extra, value[k]);
    } else if (Array.isArray(value) && isObject(schema.items)) {
      for (const item of value) this.apply(schema.items, item);
    }
  }

  private validator(branch: Schema): ValidateFunction {
    let v = this.compiled.get(branch);
    if (!v) this.compiled.set(branch, (v = this.ajv.compile(branch)));
    return v;
  }
}
