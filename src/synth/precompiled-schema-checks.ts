/**
 * The schema checks that the precompiled compiler carries ready-made, by class module. From the
 * sources there are none: each kubernetes-models class validates, and the Istio classes
 * (@kubernetes-models/istio 2.x) compile their schema with ajv at their first validation. The
 * precompiled compiler (src/cli/build.mjs) replaces this module with ajv's standalone code for
 * every Istio kind (precompiled-schema-checks-build.ts), so that `weft synth` compiles no schema
 * at run time.
 */
export function precompiledSchemaCheck(_module: string): ((data: unknown) => boolean) | undefined {
  return undefined;
}
