/**
 * The proxy-config validators in the precompiled compiler (issue 9, start-up): packed in the
 * bundle and compiled on first use, kept for the process's life (src/proxy/precompiled-validators.ts,
 * form `lazy`), so that V8 does not parse them at every start of the compile child. The bytes the
 * weft target emits are compared with the sources' in test/cli/precompiled.test.ts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { precompiledValidators, type ValidatorForm } from '../../src/proxy/precompiled-validators';
import { validatorAt as sourceValidatorAt } from '../../src/proxy/config/validators';
import { repoRoot } from '../e2e/helpers';

/** Plain JavaScript without declarations: imported by a name the type checker does not follow. */
const BUILD = '../../src/cli/build.mjs';
/**
 * Errors as only ajv's generated validator code writes them (Weft's own code has none of them;
 * ajv-i18n, bundled with the kubernetes-models classes, has the messages but not in this form).
 */
const VALIDATOR_STRINGS = ['message:"must NOT have additional properties"', 'message:"must NOT have fewer than 1 items"'];

const dir = mkdtempSync(join(tmpdir(), 'weft-bundle-validators-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Validators {
  validatorAt(pointer: string): ((data: unknown) => boolean) & { errors?: unknown[] | null };
  releaseValidators(): void;
}

/** ./config/validators as a bundle replaces it, built in the given form and imported. */
async function bundledValidators(form: ValidatorForm): Promise<Validators> {
  const out = await build({
    stdin: { contents: "export { validatorAt, releaseValidators } from './src/proxy/config/validators';", resolveDir: repoRoot, loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    write: false,
    logLevel: 'silent',
    plugins: [precompiledValidators(form)],
  });
  const file = join(dir, `validators-${form}.mjs`);
  writeFileSync(file, out.outputFiles[0]!.text);
  return (await import(pathToFileURL(file).href)) as Validators;
}

/**
 * What Weft reads of an ajv error (src/proxy/config/load.ts). Not `schemaPath`: a packed
 * validator is compiled on its own, so its schema paths may start at the subschema it checks.
 */
const judged = (errors: unknown[] | null | undefined) =>
  (errors ?? []).map((e) => {
    const { instancePath, keyword, params, message } = e as Record<string, unknown>;
    return { instancePath, keyword, params, message };
  });

const config = {
  version: 1,
  workload: { service: 'reviews', namespace: 'shop' },
  listeners: { outbound: { port: 15001 }, admin: { port: 15000 } },
  services: [{ name: 'ratings', namespace: 'shop', subsets: [{ name: 'v1', endpoints: [{ address: '127.0.0.1', port: 9080 }] }] }],
  routes: [{ name: 'r', hosts: ['ratings'], action: { type: 'forward', destinations: [{ service: 'ratings', subset: 'v1' }] } }],
};

describe('proxy-config validators of the precompiled compiler', () => {
  it('are not plain code in lib/weft-compiler.cjs or lib/weft-commands.mjs', async () => {
    const launcher = (await import(BUILD)) as { staleReason(): string | undefined; rebuild(): Promise<void>; COMPILER_BUNDLE: string; COMMANDS_BUNDLE: string };
    if (launcher.staleReason()) await launcher.rebuild();
    for (const bundle of [launcher.COMPILER_BUNDLE, launcher.COMMANDS_BUNDLE]) {
      const code = readFileSync(bundle, 'utf8');
      for (const s of VALIDATOR_STRINGS) expect(code, bundle).not.toContain(s);
    }
  }, 240_000);

  it('keeps what it compiled (the compiler validates one config per service), and judges as the sources do', async () => {
    const lazy = await bundledValidators('lazy');
    const document = lazy.validatorAt('');
    lazy.releaseValidators();
    expect(lazy.validatorAt('')).toBe(document);
    const bad = { ...config, routes: [{ ...config.routes[0], bogus: true }] };
    for (const value of [config, bad]) {
      const source = sourceValidatorAt('');
      expect(document(structuredClone(value)), JSON.stringify(value)).toBe(source(structuredClone(value)));
      expect(judged(document.errors)).toEqual(judged(source.errors));
    }
  }, 120_000);

  it('differs from the proxy’s form only in what a load’s end releases', async () => {
    const packed = await bundledValidators('packed');
    const document = packed.validatorAt('');
    packed.releaseValidators();
    expect(packed.validatorAt('')).not.toBe(document);
  }, 120_000);
});
