/**
 * The RE2 engine of the bundled schema check: what `@kubernetes-models/validate/runtime/re2`
 * gives the generated validators, on re2js instead of re2-wasm. The precompiled compiler maps
 * that module here (src/synth/model-modules-build.ts).
 *
 * Why: ajv-generated validators of CRD schemas whose `pattern` is RE2 syntax that JavaScript's
 * RegExp lacks (Prometheus Operator's PrometheusRule: `^(?i)(abort|warn)?$`) build
 * `new RE2(pattern, "u")` when their module loads, and call `.test(value)`. re2-wasm compiles an
 * 0.86 MB WebAssembly module for that at every start of the compile child (50–75 ms of CPU, the
 * example's synth included, since it emits PrometheusRules). re2js, a port of the same engine in
 * JavaScript, is in the compiler already (route regexes, src/constructs/props/networking.ts), and
 * its code comes from the compiler's code cache.
 *
 * The same verdicts: RE2's syntax and leftmost-first search in both; `test` is an unanchored
 * search, as RegExp's (anchors are the pattern's own). test/synth/schema-check-re2.test.ts runs
 * every RE2 pattern of the bundled schema modules through both engines.
 * @see https://github.com/google/re2/wiki/Syntax
 * @see https://github.com/le0pard/re2js
 */
import { RE2JS } from 're2js';

export default class RE2 {
  private readonly re: RE2JS;

  /** `flags` as re2-wasm takes them; `u` is required there, and the only one the validators pass. */
  constructor(pattern: string, flags = '') {
    this.re = RE2JS.compile(pattern, (flags.includes('i') ? RE2JS.CASE_INSENSITIVE : 0) | (flags.includes('m') ? RE2JS.MULTILINE : 0) | (flags.includes('s') ? RE2JS.DOTALL : 0));
  }

  test(value: string): boolean {
    return this.re.matcher(value).find();
  }
}
