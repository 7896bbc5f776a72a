import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { Diagnostic } from '../../../src/diagnostics/diagnostic';
import { Reporter } from '../../../src/diagnostics/reporter';
import type { Mesh } from '../../../src/index';
import { emitContext } from '../../../src/synth/emit-context';
import { codeRegistry } from '../../../src/synth/registry';
import { manifestYaml } from '../../../src/synth/serialize';
import { jsonFileText } from '../../../src/synth/stable-json';
import { consulTarget } from '../../../src/targets/consul/index';
import { toConfigEntry } from '../../../src/targets/consul/config-entries';
import { configEntryIssues } from '../../../src/targets/consul/schemas/config-entry';
import { serviceDefinitionIssues } from '../../../src/targets/consul/schemas/service-definition';
import { gatewayApiIssues } from '../../../src/targets/consul/schemas/gateway-api';
import type { JsonFile, Manifest } from '../../../src/targets/target';

const here = dirname(fileURLToPath(import.meta.url));

export interface Emitted {
  manifests: Manifest[];
  files: JsonFile[];
  diagnostics: Diagnostic[];
}

/** Builds the mesh and runs the Consul target for one environment, collecting diagnostics. */
export function emit(mesh: Mesh, envName = 'staging'): Emitted {
  const { model, diagnostics } = mesh.toModel();
  if (!model) throw new Error(`test mesh is invalid: ${diagnostics.map((d) => d.message).join('; ')}`);
  if (diagnostics.length) throw new Error(`test mesh has construct diagnostics: ${diagnostics.map((d) => d.message).join('; ')}`);
  const env = model.environments.find((e) => e.name === envName)!;
  const reporter = new Reporter(codeRegistry());
  const out = consulTarget.emit(emitContext(model, env, reporter.report));
  return { manifests: out.manifests, files: out.files ?? [], diagnostics: [...reporter.diagnostics] };
}

export function find(manifests: readonly Manifest[], kind: string, name: string): Manifest & { spec: any } {
  const m = manifests.find((x) => x.kind === kind && x.metadata.name === name);
  if (!m) throw new Error(`no ${kind} ${name} in: ${manifests.map((x) => `${x.kind} ${x.metadata.name}`).join(', ')}`);
  return m as Manifest & { spec: any };
}

export function file(files: readonly JsonFile[], path: string): any {
  const f = files.find((x) => x.path === path);
  if (!f) throw new Error(`no file ${path} in: ${files.map((x) => x.path).join(', ')}`);
  return f.json;
}

export function codes(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.map((d) => d.code);
}

/**
 * The golden form of a feature: each CRD as the writer lays it out, followed by the same object
 * as a config entry, and the named VM service definitions.
 */
export function goldenText(manifests: readonly Manifest[], files: readonly JsonFile[] = []): string {
  const parts: string[] = [];
  for (const m of manifests) {
    parts.push(`# consul/${m.metadata.namespace ?? '_cluster'}/${m.kind.toLowerCase()}-${m.metadata.name}.yaml\n${manifestYaml(m)}`);
    const entry = toConfigEntry(m);
    if (entry) parts.push(`# config entry\n${jsonFileText(entry)}`);
  }
  for (const f of files) parts.push(`# consul/${f.path}\n${jsonFileText(f.json)}`);
  return parts.join('---\n');
}

/** Compares with test/targets/consul/golden/<name>.txt; `UPDATE_GOLDEN=1` rewrites the file. */
export function expectGolden(name: string, manifests: readonly Manifest[], files: readonly JsonFile[] = []): void {
  const path = join(here, 'golden', `${name}.txt`);
  const text = goldenText(manifests, files);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  expect(text).toBe(readFileSync(path, 'utf8'));
}

/**
 * Every config entry and service definition passes Weft's own schemas (written from Consul's
 * docs), and every Gateway API object Weft's schema of it. The CRDs are checked against the
 * consul-k8s CRD schemas outside the test suite (docs/consul.md).
 */
export function expectValid(out: Emitted): void {
  const problems: string[] = [];
  for (const f of out.files) problems.push(...(f.path.startsWith('services/') ? serviceDefinitionIssues(f.json) : configEntryIssues(f.json)).map((p) => `${f.path}: ${p}`));
  for (const m of out.manifests) if (m.apiVersion.startsWith('gateway.networking.k8s.io/')) problems.push(...gatewayApiIssues(m).map((p) => `${m.kind} ${m.metadata.name}: ${p}`));
  expect(problems).toEqual([]);
}
