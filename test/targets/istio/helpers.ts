import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { expect } from 'vitest';
import { AuthorizationPolicy, PeerAuthentication, RequestAuthentication } from '@kubernetes-models/istio/security.istio.io/v1';
import { DestinationRule, Gateway, ServiceEntry, Sidecar, VirtualService } from '@kubernetes-models/istio/networking.istio.io/v1';
import { EnvoyFilter } from '@kubernetes-models/istio/networking.istio.io/v1alpha3';
import { Telemetry } from '@kubernetes-models/istio/telemetry.istio.io/v1';
import type { Diagnostic } from '../../../src/analyze/diagnostic';
import { sortKeys } from '../../../src/constructs/stable-json';
import type { Mesh } from '../../../src/index';
import { ModelIndex, modelForEnvironment } from '../../../src/model/query';
import type { MeshModel } from '../../../src/model/mesh';
import { istioTarget } from '../../../src/targets/istio/index';
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
  const m = modelForEnvironment(model, env);
  const out: Diagnostic[] = [];
  const { manifests } = istioTarget.emit({ model: m, index: new ModelIndex(m), env, report: (d) => out.push({ severity: 'error', ...d }) });
  return { model: m, manifests, diagnostics: out };
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

const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'networking.istio.io/v1/VirtualService': VirtualService,
  'networking.istio.io/v1/DestinationRule': DestinationRule,
  'networking.istio.io/v1/Gateway': Gateway,
  'networking.istio.io/v1/ServiceEntry': ServiceEntry,
  'networking.istio.io/v1/Sidecar': Sidecar,
  'networking.istio.io/v1alpha3/EnvoyFilter': EnvoyFilter,
  'security.istio.io/v1/PeerAuthentication': PeerAuthentication,
  'security.istio.io/v1/AuthorizationPolicy': AuthorizationPolicy,
  'security.istio.io/v1/RequestAuthentication': RequestAuthentication,
  'telemetry.istio.io/v1/Telemetry': Telemetry,
};

/** Every object passes @kubernetes-models/istio's schema for its apiVersion and kind. */
export function expectValid(manifests: Manifest[]): void {
  for (const m of manifests) {
    const Model = MODELS[`${m.apiVersion}/${m.kind}`];
    expect(Model, `${m.apiVersion} ${m.kind} is a known Istio kind`).toBeDefined();
    expect(() => new Model!(m).validate(), `${m.kind} ${m.metadata.namespace}/${m.metadata.name}`).not.toThrow();
  }
}

export function codes(diagnostics: Diagnostic[]): string[] {
  return diagnostics.map((d) => d.code);
}
