/**
 * What the precompiled compiler (lib/weft-compiler.cjs) does at start-up so that its code comes
 * from V8's code cache (issue 9, seventh pass; docs/architecture.md "Start-up of `weft synth`"):
 * - the schema check's kubernetes-models classes (but Istio's) are part of the bundle
 *   (src/synth/model-modules-build.ts), with the same verdicts and messages as the packages';
 * - zod parses without its JIT (src/synth/zod-jitless.ts): no parser is generated with
 *   `new Function`, which the cache cannot hold, and props mistakes of many shapes
 *   (test/fixtures/props-mistakes) are reported exactly as from the sources, where zod JITs.
 * The real compile child runs the example on the built bundle with a preload that counts the
 * class files Node requires and the functions zod generates.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exchange, forkCompileChild } from '../../src/synth/isolate';
import { bundledModelModules, modelModulesInBundle, MODEL_PACKAGES } from '../../src/synth/model-modules-build';
import { schemaCheck, schemaCheckTargets } from '../../src/synth/schema-check';
import { readDist } from '../../src/synth/write';
import type { Manifest } from '../../src/targets/target';
import { repoRoot } from '../e2e/helpers';
import { builtCompiler, compileInChild, copyOfBuiltCompiler } from './built-compiler';

/** Plain JavaScript without declarations: imported by a name the type checker does not follow. */
const BUILD = '../../src/cli/build.mjs';

const dir = mkdtempSync(join(tmpdir(), 'weft-bundle-startup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Preloaded into the compile child: counts the class-module files Node itself loads from
 * kubernetes-models' packages, and the functions that code of the bundle makes from strings
 * with `Function` — what zod's JIT does (an object parser, `return function (payload, ctx)
 * {…}`) — but the precompiled Istio checks (precompiled-schema-checks-build.ts: parameters
 * `require, module, exports`), and reports both at exit, with how many files of re2-wasm Node
 * loaded: the PrometheusRule schema's RE2 pattern runs on re2js in the bundle
 * (src/synth/schema-check-re2.ts), so the example, which emits PrometheusRules, loads none.
 */
const PRELOAD = `
const Module = require('node:module');
const load = Module._extensions['.js'];
let required = 0;
let re2Wasm = 0;
Module._extensions['.js'] = function (m, file) {
  if (/\\/node_modules\\/(kubernetes-models|@kubernetes-models)\\//.test(file)) required++;
  if (/\\/node_modules\\/re2-wasm\\//.test(file)) re2Wasm++;
  return load.call(this, m, file);
};
let generated = 0;
const NativeFunction = globalThis.Function;
globalThis.Function = new Proxy(NativeFunction, {
  construct(target, args) {
    const caller = (new Error().stack ?? '').split('\\n')[2] ?? '';
    if (args[0] !== 'require' && caller.includes('weft-compiler.cjs')) generated++;
    return Reflect.construct(target, args);
  },
});
process.on('exit', () => process.stderr.write('weft-startup-probe ' + JSON.stringify({ required, generated, re2Wasm }) + '\\n'));
`;

describe('the precompiled compiler at start-up', () => {
  let bundle = '';
  beforeAll(async () => {
    bundle = await copyOfBuiltCompiler(dir);
  }, 240_000);

  it('compiles the example requiring no kubernetes-models class file and no re2-wasm, and generating no zod parser', async () => {
    const preload = join(dir, 'probe.cjs');
    writeFileSync(preload, PRELOAD);
    const { outcome, stderr } = await compileInChild(bundle, join(dir, 'cache'), join(repoRoot, 'mesh.config.ts'), { execArgv: ['--require', preload] });
    expect(outcome.kind, stderr).toBe('done');
    if (outcome.kind !== 'done') return;
    // The schema check ran on every object: Deployments, Services, PodDisruptionBudgets… were validated.
    expect(outcome.result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(outcome.result.files.size).toBeGreaterThan(100);
    const line = stderr.split('\n').find((l) => l.startsWith('weft-startup-probe '));
    expect(line, stderr).toBeDefined();
    expect(JSON.parse(line!.slice('weft-startup-probe '.length))).toEqual({ required: 0, generated: 0, re2Wasm: 0 });
  }, 240_000);
});

describe('zod without its JIT in the compiler', () => {
  it('reports the same props mistakes as the sources (zod with its JIT)', async () => {
    // lib/'s own bundle, not a copy: construct locations skip the compiler's frames by its path.
    const bundle = await builtCompiler();
    const configPath = join(repoRoot, 'test/fixtures/props-mistakes/mesh.config.ts');
    const compile = async (child: ReturnType<typeof fork>) => {
      child.stdout!.resume();
      child.stderr!.resume();
      const outcome = await exchange(child, { configPath, options: {} }, 200_000);
      expect(outcome.kind).toBe('done');
      return outcome.kind === 'done' ? outcome.result.diagnostics : [];
    };
    const { outcome } = await compileInChild(bundle, join(dir, 'cache-jitless'), configPath);
    expect(outcome.kind).toBe('done');
    const fromBundle = outcome.kind === 'done' ? outcome.result.diagnostics : [];
    const fromSources = await compile(forkCompileChild('source'));
    expect(fromBundle.filter((d) => d.code === 'WEFT001').length).toBeGreaterThanOrEqual(9);
    expect(fromBundle).toEqual(fromSources);
  }, 400_000);
});

describe('the kubernetes-models classes bundled into the compiler', () => {
  it('are every non-Istio class the schema check runs', () => {
    const outside = schemaCheckTargets().filter((t) => !bundledModelModules().includes(t.module));
    expect(outside.length).toBeGreaterThan(0);
    expect(outside.every((t) => t.module.startsWith('@kubernetes-models/istio/'))).toBe(true);
    expect(bundledModelModules().length).toBeGreaterThan(20);
  });

  it('give the same verdicts and messages as the packages', async () => {
    const { externalPackagesByPath } = (await import(BUILD)) as { externalPackagesByPath(bundled: string[]): import('esbuild').Plugin };
    const out = await build({
      stdin: { contents: "export { schemaCheck } from './src/synth/schema-check';", resolveDir: repoRoot, loader: 'ts' },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      mainFields: ['main', 'module'],
      write: false,
      logLevel: 'silent',
      plugins: [modelModulesInBundle(), externalPackagesByPath(MODEL_PACKAGES)],
    });
    const file = join(dir, 'schema-check.cjs');
    writeFileSync(file, out.outputFiles[0]!.text);
    expect(readFileSync(file, 'utf8')).toContain('IoK8sApiAppsV1DeploymentSpec');
    const bundled = createRequire(file)(file) as { schemaCheck: typeof schemaCheck };

    // Every object of the example's dist/ of a bundled kind, as written and broken in three ways.
    const kinds = new Set(schemaCheckTargets().filter((t) => bundledModelModules().includes(t.module)).map((t) => `${t.apiVersion}/${t.kind}`));
    const objects = [...readDist(join(repoRoot, 'dist'))]
      .filter(([path]) => path.endsWith('.yaml'))
      .flatMap(([, text]) => parseAllDocuments(text).map((d) => d.toJS() as Manifest))
      .filter((o) => o && kinds.has(`${o.apiVersion}/${o.kind}`));
    expect(new Set(objects.map((o) => o.kind)).size).toBeGreaterThan(5);
    const variants = objects.flatMap((o) => [
      o,
      { ...o, metadata: { ...o.metadata, name: 7 } } as unknown as Manifest,
      { ...o, spec: { ...(o.spec as object), unknownField: true } } as Manifest,
      { ...o, spec: 'not an object' } as unknown as Manifest,
    ]);
    const fromBundle = bundled.schemaCheck(variants, 'dev');
    const fromPackages = schemaCheck(variants, 'dev');
    expect(fromBundle).toEqual(fromPackages);
    expect(fromBundle.diagnostics.length).toBeGreaterThan(objects.length);
  }, 120_000);
});
