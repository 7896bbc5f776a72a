import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { standaloneChecks } from '../../src/synth/precompiled-schema-checks-build';
import { schemaCheckTargets } from '../../src/synth/schema-check';
import { readDist } from '../../src/synth/write';

const root = join(import.meta.dirname, '../..');
const { codes, validatePath } = standaloneChecks();
const requireHelper = createRequire(validatePath);
const requireModel = createRequire(import.meta.url);

/** Compiles one standalone check as the precompiled compiler does. */
function check(module: string): (data: unknown) => boolean {
  const m = { exports: {} as { check: (data: unknown) => boolean } };
  new Function('require', 'module', 'exports', codes.get(module)!)(requireHelper, m, m.exports);
  return m.exports.check;
}

/** The class's own verdict, the documented way (kubernetes-models' `validate`). */
function classPasses(module: string, kind: string, data: object): boolean {
  const cls = (requireModel(module) as Record<string, new (d: object) => { validate(): void }>)[kind]!;
  try {
    new cls(data).validate();
    return true;
  } catch {
    return false;
  }
}

const istio = schemaCheckTargets().filter((t) => t.module.startsWith('@kubernetes-models/istio/'));

describe('the precompiled Istio schema checks (lib/weft-compiler.cjs)', () => {
  it('has one check for every Istio class the schema check runs', () => {
    expect([...codes.keys()].sort()).toEqual([...new Set(istio.map((t) => t.module))].sort());
  });

  it("passes and fails exactly what each class's own validator passes and fails", () => {
    // Every Istio object of the example's dist/, as written, and broken in three ways.
    const objects = [...readDist(join(root, 'dist'))]
      .filter(([path]) => path.endsWith('.yaml'))
      .flatMap(([, text]) => parseAllDocuments(text).map((d) => d.toJS() as { apiVersion: string; kind: string; metadata?: object; spec?: object }))
      .filter((o) => o?.apiVersion?.includes('istio.io'));
    expect(objects.length).toBeGreaterThan(10);
    let compared = 0;
    for (const o of objects) {
      const target = istio.find((t) => t.module.endsWith(`/${o.kind}`) && (t.apiVersion === o.apiVersion || o.apiVersion.endsWith('/v1')));
      if (!target) continue;
      const passes = check(target.module);
      const variants = [
        { ...o, apiVersion: target.apiVersion },
        { ...o, apiVersion: target.apiVersion, metadata: { name: 7 } },
        { ...o, apiVersion: target.apiVersion, spec: { ...o.spec, unknownField: true } },
        { ...o, apiVersion: target.apiVersion, spec: 'not an object' },
      ];
      for (const v of variants) {
        expect(passes(v), `${o.kind} ${JSON.stringify(v).slice(0, 120)}`).toBe(classPasses(target.module, target.kind, v));
        compared++;
      }
      expect(passes(variants[0]), `${o.kind} from dist/`).toBe(true);
      expect(passes(variants[1]), `${o.kind} with a numeric name`).toBe(false);
    }
    expect(compared).toBeGreaterThan(40);
  });
});
