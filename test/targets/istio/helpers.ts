import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { expect } from 'vitest';
import type { Diagnostic } from '../../../src/diagnostics/diagnostic';
import { sortKeys } from '../../../src/synth/stable-json';
import type { Mesh } from '../../../src/index';
import { Reporter } from '../../../src/diagnostics/reporter';
import { emitContext } from '../../../src/synth/emit-context';
import { codeRegistry } from '../../../src/synth/registry';
import type { MeshModel } from '../../../src/model/mesh';
import { istioTarget } from '../../../src/targets/istio/index';
import { schemaCheck } from '../../../src/synth/schema-check';
import type { Manifest } from '../../../src/targets/target';

const here = dirname(fileURLToPath(import.meta.url));

export interface Emitted {
  model: MeshModel;
  manifests: Manifest[];
  diagnostics: Diagnostic[];
}

/** Builds the mesh and runs the Istio target for one environment, collecting diagnostics. */
export function emit(mesh: Mesh, envName = 'prod'): Emitted {
  const { model, diagnostics } = mesh.toModel();
  if (!model) throw new Error(`test mesh is invalid: ${diagnostics.map((d) => d.message).join('; ')}`);
  if (diagnostics.length) throw new Error(`test mesh has construct diagnostics: ${diagnostics.map((d) => d.message).join('; ')}`);
  const env = model.environments.find((e) => e.name === envName)!;
  const reporter = new Reporter(codeRegistry());
  const ctx = emitContext(model, env, reporter.report);
  const { manifests } = istioTarget.emit(ctx);
  return { model: ctx.model, manifests, diagnostics: [...reporter.diagnostics] };
}

export function ofKind(manifests: Manifest[], ...kinds: string[]): Manifest[] {
  return manifests.filter((m) => kinds.includes(m.kind));
}

export function find(manifests: Manifest[], kind: string, name: string, namespace?: string): Manifest & { spec: any } {
  const m = manifests.find((x) => x.kind === kind && x.metadata.name === name && (namespace === undefined || x.metadata.namespace === namespace));
  if (!m) throw new Error(`no ${kind} ${namespace ?? '*'}/${name} in: ${manifests.map((x) => `${x.kind} ${x.metadata.namespace}/${x.metadata.name}`).join(', ')}`);
  return m as Manifest & { spec: any };
}

/** The manifests as the writer lays them out: one document per file, each headed by its dist path. */
export function toYaml(manifests: Manifest[]): string {
  return manifests
    .map((m) => `# istio/${m.metadata.namespace ?? '_cluster'}/${m.kind.toLowerCase()}-${m.metadata.name}.yaml\n${stringify(sortKeys(m), { lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false })}`)
    .join('---\n');
}

/** Compares with test/targets/istio/golden/<name>.yaml; `UPDATE_GOLDEN=1` rewrites the file. */
export function expectGolden(name: string, manifests: Manifest[]): void {
  const file = join(here, 'golden', `${name}.yaml`);
  const text = toYaml(manifests);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  expect(text).toBe(readFileSync(file, 'utf8'));
}

/** Every object passes @kubernetes-models/istio's schema for its apiVersion and kind (synth's own check). */
export function expectValid(manifests: Manifest[]): void {
  const { diagnostics, unchecked } = schemaCheck(manifests, 'test');
  expect(unchecked.map((m) => `${m.apiVersion} ${m.kind}`), 'every kind is a known Istio kind').toEqual([]);
  expect(diagnostics.map((d) => d.message)).toEqual([]);
}

export function codes(diagnostics: Diagnostic[]): string[] {
  return diagnostics.map((d) => d.code);
}
