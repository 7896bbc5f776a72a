/**
 * The esbuild plugin that replaces ./config/validators with ajv's standalone code for exactly
 * the validators it would compile at run time (the document and each union branch, by JSON
 * pointer, same options), behind the same interface: a bundle then loads neither ajv nor its
 * code generation. Used by the proxy's build (./build.ts) and by the precompiled compiler
 * (src/cli/build.mjs), whose weft target validates every proxy config it emits.
 *
 * Two forms, both packed: each validator is its own minified CommonJS module (ajv's runtime
 * helper bundled in), brotli-compressed and base64-encoded into the bundle (~0.1 MB for all of
 * them), and `validatorAt` unpacks and compiles only the validators a config reaches (the
 * document, and the branches of the unions the config actually has).
 * - `lazy` (the compiler, lib/weft-compiler.cjs and lib/weft-commands.mjs): what `validatorAt`
 *   compiled is kept for the process's life (`releaseValidators` does nothing) — the compiler
 *   validates one proxy config per service. As plain code (the former `eager` form) they were
 *   a third of the compiler bundle (1.3 of 4.0 MB), parsed at every start, also by runs that
 *   never emit the weft target (docs/performance.md, "Synth").
 * - `packed` (the proxy): the proxy validates a config at start and at each reload, never per
 *   request, yet the eager form made the validators 70% of its 1.6 MB bundle, held in memory for
 *   the process's life as script source (two bytes per character on Node 20 as soon as one
 *   character is not Latin-1; on Node 24 as external strings). Packed, `releaseValidators` —
 *   called by ./config/load.ts when a load ends — drops the compiled validators and the schema,
 *   so that the garbage collector frees their code and source.
 *   A reload unpacks them again (milliseconds; docs/performance.md#proxy-memory).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zlib } from 'node:zlib';
import Ajv2020 from 'ajv/dist/2020';
import standaloneCode from 'ajv/dist/standalone';
import { build, type Plugin } from 'esbuild';
import { splitLargeSubschemas } from './config/split-schema';
import { AJV_OPTIONS, configSchema, schemaAt, unionBranchPointers } from './config/validators';

const root = fileURLToPath(new URL('../..', import.meta.url));
const VALIDATORS = fileURLToPath(new URL('./config/validators.ts', import.meta.url));

export type ValidatorForm = 'lazy' | 'packed';

const pointers = (): string[] => ['', ...unionBranchPointers()];

/** The document's schema for code generation: its validator as many small functions, not one of 480 KB (./config/split-schema.ts). */
const documentSchema = (): Record<string, unknown> => splitLargeSubschemas(configSchema() as Record<string, unknown>);

// Quality 9, not brotli's default 11: a few percent larger, several times faster to build.
const pack = (text: string): string => brotliCompressSync(text, { params: { [zlib.BROTLI_PARAM_QUALITY]: 9 } }).toString('base64');

/** Every validator as a self-contained, minified CommonJS module exporting `v`, by pointer. */
async function validatorModules(all: readonly string[]): Promise<string[]> {
  // One ajv for all: each instance compiles the draft 2020-12 meta-schema again.
  const ajv = new Ajv2020({ ...AJV_OPTIONS, inlineRefs: false, code: { source: true } });
  all.forEach((p) => ajv.addSchema(p === '' ? documentSchema() : schemaAt(p), `weft:${p}`));
  const bundled = all.map((p) =>
    build({
      // standaloneCode with one export emits only that validator and what it references.
      stdin: { contents: standaloneCode(ajv, { v: `weft:${p}` }), resolveDir: root, loader: 'js' },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      minify: true,
      write: false,
      logLevel: 'warning',
    }),
  );
  return (await Promise.all(bundled)).map((out) => out.outputFiles[0]!.text);
}

/**
 * The packed module, cached under node_modules/.cache by what it is made of (the schema, ajv's
 * version, this generator): `weft proxy` rebuilds its bundle whenever a proxy source changes,
 * and only a schema change needs the validators generated again.
 */
async function cachedPackedModule(form: ValidatorForm): Promise<string> {
  const ajvVersion = (createRequire(import.meta.url)('ajv/package.json') as { version: string }).version;
  const key = createHash('sha256').update(JSON.stringify(documentSchema())).update(ajvVersion).update(readFileSync(fileURLToPath(import.meta.url))).update(form).digest('hex').slice(0, 16);
  const dir = join(root, 'node_modules/.cache/weft-proxy-validators');
  const file = join(dir, `${key}.mjs`);
  try {
    return readFileSync(file, 'utf8');
  } catch {
    const code = await packedModule(form);
    mkdirSync(dir, { recursive: true });
    // Written under a private name and renamed: a concurrent build never reads half of it.
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, code);
    renameSync(tmp, file);
    return code;
  }
}

async function packedModule(form: ValidatorForm): Promise<string> {
  const all = pointers();
  const modules = await validatorModules(all);
  const packed = Object.fromEntries(all.map((p, i) => [p, pack(modules[i]!)]));
  return `
    import { brotliDecompressSync } from 'node:zlib';
    import { compileFunction } from 'node:vm';
    const PACKED = ${JSON.stringify(packed)};
    const SCHEMA = ${JSON.stringify(pack(JSON.stringify(configSchema())))};
    const unpack = (base64) => brotliDecompressSync(Buffer.from(base64, 'base64')).toString('utf8');
    const loaded = new Map();
    let schema;
    export function configSchema() {
      return (schema ??= JSON.parse(unpack(SCHEMA)));
    }
    export function validatorAt(pointer) {
      let v = loaded.get(pointer);
      if (v) return v;
      const code = PACKED[pointer];
      if (code === undefined) throw new Error('no precompiled validator at ' + pointer);
      const module = { exports: {} };
      compileFunction(unpack(code), ['module', 'exports'], { filename: 'weft-proxy-config-validator:' + (pointer || '/') })(module, module.exports);
      loaded.set(pointer, (v = module.exports.v));
      return v;
    }
    export function releaseValidators() {${
      form === 'packed'
        ? `
      loaded.clear();
      schema = undefined;`
        : ''
    }
    }`;
}

/** Replaces ./config/validators with the precompiled validators behind the same interface. */
export function precompiledValidators(form: ValidatorForm): Plugin {
  return {
    name: 'weft-precompiled-validators',
    setup(b) {
      b.onResolve({ filter: /\/validators$/ }, async (args) => {
        if (args.pluginData === 'inner') return undefined;
        const resolved = await b.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, pluginData: 'inner' });
        return resolved.path === VALIDATORS ? { path: 'validators', namespace: 'weft' } : undefined;
      });
      b.onLoad({ filter: /^validators$/, namespace: 'weft' }, async () => ({ resolveDir: root, loader: 'js', contents: await cachedPackedModule(form) }));
    },
  };
}
