import { z } from 'zod';
import type { Construct } from 'constructs';
import { jsonPatchOperationSchema, type ObjectPatch as ObjectPatchModel } from '../model/escape-hatch';
import { WeftConstruct } from './base';
import { dnsLabelSchema } from './props/common';
import { jsonValueProblem } from './props/workload';

/**
 * A JSON Pointer: `""` (the whole document) or `/`-separated tokens with `~0` for "~" and `~1`
 * for "/".
 * @see https://www.rfc-editor.org/rfc/rfc6901#section-3
 */
const pointerSchema = z.string().regex(/^(\/([^~]|~[01])*)*$/, 'must be a JSON Pointer such as "/spec/template/spec/priorityClassName" (RFC 6901: "/"-separated, "~0" for "~", "~1" for "/")');

/** A patch value: JSON only (no BigInt, cycles, functions, `undefined`), as RFC 6902 requires. */
const valueSchema = z.unknown().superRefine((v, ctx) => {
  const problem = jsonValueProblem(v, 'value');
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** One RFC 6902 operation, written as the RFC does. @see https://www.rfc-editor.org/rfc/rfc6902#section-4 */
const operationPropsSchema = z.union([
  z
    .object({
      /** Adds a value (an object member, or an array element at an index or `-` for the end). Required. */
      op: z.literal('add'),
      /** Where; its parent must exist. Required. */
      path: pointerSchema,
      /** The value, JSON. Required. */
      value: valueSchema,
    })
    .strict(),
  z
    .object({
      /** Removes the value at `path`. Required. */
      op: z.literal('remove'),
      /** What; it must exist. Required. */
      path: pointerSchema,
    })
    .strict(),
  z
    .object({
      /** Replaces the value at `path`. Required. */
      op: z.literal('replace'),
      /** What; it must exist. Required. */
      path: pointerSchema,
      /** The new value, JSON. Required. */
      value: valueSchema,
    })
    .strict(),
  z
    .object({
      /** Moves or copies the value at `from` to `path`. Required. */
      op: z.enum(['move', 'copy']),
      /** The source; it must exist. Required. */
      from: pointerSchema,
      /** The destination, as for `add`. Required. */
      path: pointerSchema,
    })
    .strict(),
  z
    .object({
      /** Fails the patch unless the value at `path` equals `value`. Required. */
      op: z.literal('test'),
      /** What; it must exist. Required. */
      path: pointerSchema,
      /** The expected value, JSON. Required. */
      value: valueSchema,
    })
    .strict(),
]);

/**
 * cdk8s's `JsonPatch.add(...)` & co.: a `JsonPatch` holds its RFC 6902 operation, which its
 * `_toJson()` returns (what `ApiObject.toJson` applies).
 * @see https://cdk8s.io/docs/latest/basics/escape-hatches/#patching-api-objects-behind-higher-level-apis
 */
const cdk8sPatchSchema = z
  .custom<{ _toJson(): unknown }>((v) => typeof v === 'object' && v !== null && typeof (v as { _toJson?: unknown })._toJson === 'function', { message: 'expected an RFC 6902 operation or a cdk8s JsonPatch' })
  .transform((p, ctx) => {
    const parsed = operationPropsSchema.safeParse(p._toJson());
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path.filter((k): k is string | number => typeof k !== 'symbol') });
    return z.NEVER;
  });

export const objectPatchPropsSchema = z
  .object({
    /** The kind of the object to patch, e.g. `'Deployment'`. Required. */
    kind: z.string().min(1),
    /** Its `metadata.name`, e.g. `'springboot-app-v2'`. Required. */
    name: z.string().min(1),
    /** Its namespace. @default any namespace (and cluster-scoped objects) */
    namespace: dnsLabelSchema.optional(),
    /** Its `apiVersion`, e.g. `'apps/v1'`. @default any */
    apiVersion: z.string().min(1).optional(),
    /** The target that writes it: its folder under `dist/<env>/` (`kubernetes`, `istio`, `consul`, `weft`, `argocd`, `observability`). @default any */
    target: dnsLabelSchema.optional(),
    /** The environments whose objects are patched. @default every environment */
    environments: z.array(dnsLabelSchema).min(1).optional(),
    /**
     * RFC 6902 operations, applied in order: `{ op: 'add', path, value }` & co., or cdk8s's
     * `JsonPatch.add(path, value)` & co. A path that does not exist in the object is an error
     * (WEFT042). Required, at least one.
     * @see https://www.rfc-editor.org/rfc/rfc6902
     */
    ops: z.array(z.union([operationPropsSchema, cdk8sPatchSchema])).min(1),
  })
  .strict();
export type ObjectPatchProps = z.input<typeof objectPatchPropsSchema>;

/**
 * JSON patches (RFC 6902) for objects Weft emits, like cdk8s's `ApiObject.addJsonPatch`: for
 * the fields no construct offers. Created with `mesh.patch(name, props)`; synth applies the
 * operations to every object the selector picks, after its target emitted it and before the
 * schema check. A patch that picks no object is an error (WEFT043).
 */
export class ObjectPatch extends WeftConstruct {
  private readonly props?: z.output<typeof objectPatchPropsSchema>;

  constructor(scope: Construct, name: string, props: ObjectPatchProps) {
    super(scope, name, 'patch:', 'dns-label', 'patch');
    this.props = this.parseProps(objectPatchPropsSchema, props, 'patch');
  }

  /** @internal The model node, or undefined when the props were invalid (already reported). */
  _toModel(): ObjectPatchModel | undefined {
    const p = this.props;
    if (!p) return undefined;
    const { ops, ...select } = p;
    return {
      path: this.constructPath,
      location: this.location,
      name: this.declaredName.replace(/^patch:/, ''),
      select: Object.fromEntries(Object.entries(select).filter(([, v]) => v !== undefined)) as ObjectPatchModel['select'],
      // A value is copied through JSON: the model is plain data, and a value JSON cannot hold is refused here.
      ops: ops.map((op) => jsonPatchOperationSchema.parse('value' in op ? { ...op, value: plain(op.value) } : op)),
    };
  }
}

/** A copy of a value the schema proved to be JSON. */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}
