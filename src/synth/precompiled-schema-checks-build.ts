/**
 * The esbuild plugin that replaces ./precompiled-schema-checks with ajv's standalone code for
 * the schema of every Istio kind the schema check knows (schema-check.ts): the pass/fail half
 * of the check, which is all a valid mesh needs. A failure is re-checked by the class itself,
 * so a diagnostic's text stays exactly kubernetes-models' own.
 *
 * The schemas are the ones the classes register: each Istio class module hands its schema (and
 * those of the apimachinery types it refers to) to @kubernetes-models/validate's `register` at
 * its first validation, and keeps no other copy. The build replaces that package's `register`
 * and `validate` for the moment it validates one empty object of each class, and compiles what
 * was registered with the same ajv and formats the package uses (its own `ajv`, `ajv-formats`,
 * `strictTypes: false`; `allErrors` does not change whether an object passes).
 * @see https://ajv.js.org/standalone.html
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';
import { schemaCheckTargets } from './schema-check';

const ISTIO = '@kubernetes-models/istio/';
const CHECKS = fileURLToPath(new URL('./precompiled-schema-checks.ts', import.meta.url));

/**
 * Formats whose ajv-formats definition is the one @kubernetes-models/validate uses (it
 * redefines `byte`, `quantity` and `string`, which a standalone module would not see).
 */
const SAME_FORMATS = new Set(['int32', 'int64', 'float', 'double', 'binary', 'password', 'date-time', 'date', 'time', 'uri', 'email', 'hostname', 'ipv4', 'ipv6', 'uuid']);

interface ValidatePackage {
  register(id: string, schema: object): void;
  validate(id: string, data: unknown): void;
}

/** @internal For each Istio class module, the CommonJS source of its check (exported as `check`); and where that source's `require`s resolve. */
export function standaloneChecks(): { codes: Map<string, string>; validatePath: string } {
  const modules = [...new Set(schemaCheckTargets().filter((t) => t.module.startsWith(ISTIO)).map((t) => `${t.module}#${t.kind}`))].sort();
  const fromWeft = createRequire(import.meta.url);
  const fromIstio = createRequire(fromWeft.resolve(`${ISTIO}package.json`));
  const validatePath = fromIstio.resolve('@kubernetes-models/validate');
  const fromValidate = createRequire(validatePath);
  const pkg = fromIstio('@kubernetes-models/validate') as ValidatePackage;
  const schemas = new Map<string, object>();
  const ids: string[] = [];
  const { register, validate } = pkg;
  pkg.register = (id, schema) => void schemas.set(id, schema);
  pkg.validate = (id) => void ids.push(id);
  try {
    for (const entry of modules) {
      const [module, kind] = entry.split('#') as [string, string];
      const cls = (fromWeft(module) as Record<string, new (data: object) => { validate(): void }>)[kind]!;
      new cls({}).validate();
    }
  } finally {
    pkg.register = register;
    pkg.validate = validate;
  }
  if (ids.length !== modules.length) throw new Error(`precompiled schema checks: ${modules.length} Istio classes validated ${ids.length} schemas`);
  for (const [id, schema] of schemas) {
    for (const format of formatsIn(schema)) if (!SAME_FORMATS.has(format)) throw new Error(`precompiled schema checks: schema ${id} uses format "${format}", which @kubernetes-models/validate defines its own way`);
  }
  const { default: Ajv, _ } = fromValidate('ajv') as typeof import('ajv');
  const { default: addFormats } = fromValidate('ajv-formats') as typeof import('ajv-formats');
  const { default: standaloneCode } = fromValidate('ajv/dist/standalone') as typeof import('ajv/dist/standalone');
  const ajv = new Ajv({ strictTypes: false, code: { source: true, formats: _`require("ajv-formats/dist/formats").fullFormats` } });
  addFormats(ajv);
  for (const [id, schema] of schemas) ajv.addSchema(schema, id);
  const codes = new Map(modules.map((entry, i) => [entry.split('#')[0]!, standaloneCode(ajv, { check: ids[i]! })]));
  return { codes, validatePath };
}

/** Every `format` keyword value in a schema. */
function formatsIn(schema: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) for (const s of schema) formatsIn(s, out);
  else if (schema && typeof schema === 'object') {
    for (const [key, value] of Object.entries(schema)) {
      if (key === 'format' && typeof value === 'string') out.add(value);
      else formatsIn(value, out);
    }
  }
  return out;
}

/**
 * Replaces ./precompiled-schema-checks with the standalone checks behind the same interface.
 * Each check is kept as a string and compiled (as ajv itself compiles, with `new Function`) the
 * first time its kind is checked: the checks of all Istio kinds are ~4 MB of code, which V8
 * would otherwise parse at every start of the compiler, and a run needs a handful.
 */
export function precompiledSchemaChecks(): Plugin {
  const { codes, validatePath } = standaloneChecks();
  return {
    name: 'weft-precompiled-schema-checks',
    setup(b) {
      b.onResolve({ filter: /\/precompiled-schema-checks$/ }, async (args) => {
        if (args.pluginData === 'inner') return undefined;
        const resolved = await b.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, pluginData: 'inner' });
        return resolved.path === CHECKS ? { path: 'schema-checks', namespace: 'weft' } : undefined;
      });
      b.onLoad({ filter: /^schema-checks$/, namespace: 'weft' }, () => ({
        loader: 'js',
        contents: `
          import { createRequire } from 'node:module';
          const CODES = new Map(${JSON.stringify([...codes])});
          // The checks require ajv's runtime helpers and ajv-formats, as @kubernetes-models/validate does.
          const requireHelper = createRequire(${JSON.stringify(validatePath)});
          const compiled = new Map();
          export function precompiledSchemaCheck(module) {
            const code = CODES.get(module);
            if (code === undefined) return undefined;
            let check = compiled.get(module);
            if (!check) {
              const m = { exports: {} };
              new Function('require', 'module', 'exports', code)(requireHelper, m, m.exports);
              check = m.exports.check;
              compiled.set(module, check);
            }
            return check;
          }`,
      }));
    },
  };
}
