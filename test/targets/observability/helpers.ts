import { Mesh } from '../../../src/index';
import type { Diagnostic } from '../../../src/diagnostics/diagnostic';
import { CodeRegistry } from '../../../src/diagnostics/registry';
import { Reporter } from '../../../src/diagnostics/reporter';
import type { DurationInput } from '../../../src/model/duration';
import type { MeshModel } from '../../../src/model/mesh';
import { ModelIndex, modelForEnvironment } from '../../../src/model/query';
import { jsonFileText } from '../../../src/synth/stable-json';
import { observabilityTarget } from '../../../src/targets/observability/index';
import type { Manifest } from '../../../src/targets/target';

export interface Emitted {
  model: MeshModel;
  manifests: Manifest[];
  diagnostics: readonly Diagnostic[];
}

/** Builds the mesh and runs the observability target for one environment. */
export function emit(mesh: Mesh, envName: string): Emitted {
  const { model, diagnostics } = mesh.toModel();
  if (!model) throw new Error(`test mesh is invalid: ${diagnostics.map((d) => d.message).join('; ')}`);
  const env = model.environments.find((e) => e.name === envName)!;
  const m = modelForEnvironment(model, env);
  const reporter = new Reporter(new CodeRegistry([{ owner: 'target observability', codes: observabilityTarget.codes }]));
  const { manifests } = observabilityTarget.emit({ model: m, index: new ModelIndex(m), env, report: reporter.report, wiring: () => ({}), json: jsonFileText });
  return { model: m, manifests, diagnostics: reporter.diagnostics };
}

export function find(manifests: Manifest[], kind: string, name: string): Manifest & { spec: any; data?: Record<string, string> } {
  const m = manifests.find((x) => x.kind === kind && x.metadata.name === name);
  if (!m) throw new Error(`no ${kind} ${name} in: ${manifests.map((x) => `${x.kind} ${x.metadata.namespace}/${x.metadata.name}`).join(', ')}`);
  return m as Manifest & { spec: any; data?: Record<string, string> };
}

/**
 * A small mesh with an availability and a latency SLO on one HTTP service, a TCP service, and
 * one environment per data plane.
 */
export function sloMesh(opts: { latencyThreshold?: DurationInput; tcpSlo?: boolean; windowDays?: number; metrics?: boolean } = {}): Mesh {
  const mesh = new Mesh('shop', {
    environments: { dev: { mesh: 'weft' }, staging: { mesh: 'consul' }, prod: { mesh: 'istio' } },
    observability: { metrics: opts.metrics ?? true },
  });
  const team = mesh.team('storefront', { namespace: 'storefront' });
  const db = team.service('db', { ports: [{ port: 5432, protocol: 'tcp', name: 'tcp-pg' }], versions: { v1: { image: 'postgres:16' } } });
  const app = team.service('app', { port: 8080, versions: { v1: { image: 'app:1' }, v2: { image: 'app:2' } }, calls: [db] });
  app.slo('availability', { availability: 99.9, ...(opts.windowDays ? { windowDays: opts.windowDays } : {}) });
  app.slo('latency', { latency: { threshold: opts.latencyThreshold ?? '250ms', percent: 99 } });
  if (opts.tcpSlo) db.slo('up', { availability: 99 });
  return mesh;
}
