/**
 * ajv validators of the proxy config, compiled from the committed JSON Schema
 * (schemas/weft-proxy-config.schema.json, generated from the zod schema in ./schema.ts): one
 * for the whole document and one per union branch (./defaults.ts needs those), addressed by
 * JSON pointer. Compiled on first use here; the precompiled proxy (src/proxy/build.ts)
 * replaces this module with ajv's standalone code for the same pointers, so that neither ajv
 * nor its code generation is loaded in the proxy process (~19 MB RSS), and loads those only
 * while a config is validated (src/proxy/precompiled-validators.ts, form `packed`).
 * The interface both share: `validatorAt`, `configSchema`, `releaseValidators`.
 */
import Ajv2020 from 'ajv/dist/2020';
import type { ValidateFunction } from 'ajv';
import jsonSchema from '../../../schemas/weft-proxy-config.schema.json' with { type: 'json' };
import { escapePointer, unescapePointer } from './json-pointer';

export type Schema = Record<string, unknown>;

const CONFIG_SCHEMA = jsonSchema as Schema;

/** The committed JSON Schema of the proxy config. */
export const configSchema = (): Schema => CONFIG_SCHEMA;

/** The options of every config validator, compiled here or precompiled. */
export const AJV_OPTIONS = { allErrors: true, strict: false, useDefaults: true } as const;

/** The subschema at a JSON pointer (RFC 6901; '' is the whole schema). */
export function schemaAt(pointer: string): Schema {
  let node: unknown = CONFIG_SCHEMA;
  for (const token of pointer === '' ? [] : pointer.slice(1).split('/')) node = (node as Record<string, unknown>)[unescapePointer(token)];
  if (typeof node !== 'object' || node === null) throw new Error(`no subschema at ${pointer}`);
  return node as Schema;
}

/** Pointers of every anyOf/oneOf branch of `schema`, depth first. */
export function unionBranchPointers(schema: unknown = CONFIG_SCHEMA, pointer = ''): string[] {
  if (typeof schema !== 'object' || schema === null) return [];
  const out: string[] = [];
  for (const [key, child] of Object.entries(schema)) {
    const at = `${pointer}/${escapePointer(key)}`;
    if ((key === 'anyOf' || key === 'oneOf') && Array.isArray(child)) child.forEach((_, i) => out.push(`${at}/${i}`));
    out.push(...unionBranchPointers(child, at));
  }
  return out;
}

let ajv: Ajv2020 | undefined;
const compiled = new Map<string, ValidateFunction>();

/** The validator of the subschema at `pointer` ('' = the whole config). */
export function validatorAt(pointer: string): ValidateFunction {
  let v = compiled.get(pointer);
  if (!v) {
    // Compiled once per process: ajv code generation costs tens of milliseconds.
    ajv ??= new Ajv2020(AJV_OPTIONS);
    compiled.set(pointer, (v = ajv.compile(schemaAt(pointer))));
  }
  return v;
}

/**
 * Called when a config load ends. Validators compiled here are kept: ajv's code generation costs
 * tens of milliseconds per schema, and this module runs in development and in the compiler, not
 * in the image. The proxy's bundle drops its validators here (precompiled-validators.ts).
 */
export function releaseValidators(): void {}
