import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { Diagnostic } from '../../../src/diagnostics/diagnostic';
import type { Mesh } from '../../../src/index';
import { Reporter } from '../../../src/diagnostics/reporter';
import { emitContext } from '../../../src/synth/emit-context';
import { codeRegistry } from '../../../src/synth/registry';
import { manifestYaml } from '../../../src/synth/serialize';
import { kubernetesTarget } from '../../../src/targets/kubernetes/index';
import type { Manifest, WiringOf } from '../../../src/targets/target';

export interface Emitted {
  manifests: Manifest[];
  diagnostics: Diagnostic[];
  find(kind: string, name: string, namespace?: string): Manifest;
  all(kind: string): Manifest[];
}

/** constructs → toModel → modelForEnvironment → Kubernetes emit, as `weft synth` runs it. */
export async function emitFor(mesh: Mesh, envName: string, wiring?: WiringOf): Promise<Emitted> {
  const { model, diagnostics: built } = mesh.toModel();
  if (!model) throw new Error(`fixture is invalid: ${JSON.stringify(built)}`);
  const env = model.environments.find((e) => e.name === envName);
  if (!env) throw new Error(`no environment ${envName}`);
  const reporter = new Reporter(codeRegistry());
  for (const d of built) reporter.add(d);
  const { manifests } = kubernetesTarget.emit(emitContext(model, env, reporter.report, wiring ? { wiring } : {}));
  const diagnostics: Diagnostic[] = [...reporter.diagnostics];
  const all = (kind: string) => manifests.filter((m) => m.kind === kind);
  const find = (kind: string, name: string, namespace?: string) => {
    const m = manifests.find((x) => x.kind === kind && x.metadata.name === name && (namespace === undefined || x.metadata.namespace === namespace));
    if (!m) throw new Error(`no ${kind} ${namespace ?? '*'}/${name} in ${manifests.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`);
    return m;
  };
  return { manifests, diagnostics, find, all };
}

/** All objects as one YAML stream, each serialized as `dist/` gets it. */
export function toYamlStream(manifests: readonly Manifest[]): string {
  return manifests.map((m) => manifestYaml(m)).join('---\n');
}

const GOLDEN_DIR = join(dirname(fileURLToPath(import.meta.url)), 'golden');

/**
 * Compares `actual` with the committed golden file. `UPDATE_GOLDEN=1 npx vitest run
 * test/targets/kubernetes` rewrites it; review the diff before committing.
 */
export function expectGolden(name: string, actual: string): void {
  const file = join(GOLDEN_DIR, name);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(GOLDEN_DIR, { recursive: true });
    writeFileSync(file, actual);
  }
  if (!existsSync(file)) throw new Error(`golden file ${name} is missing: run UPDATE_GOLDEN=1 npx vitest run test/targets/kubernetes, review it, commit it`);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

/** Reads a nested field: `get(m, 'spec.template.spec.containers.0.image')`. */
export function get(value: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v == null ? undefined : (v as Record<string, unknown>)[k]), value);
}
