import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMeshConfig } from '../../../src/synth/load';
import { modelForEnvironment } from '../../../src/model/query';
import type { MeshModel } from '../../../src/model/mesh';
import { workloadName } from '../../../src/model/names';
import { parseProxyConfigText } from '../../../src/proxy/config/load';
import { proxyConfigSchema } from '../../../src/proxy/config/schema';
import { jsonFileText } from '../../../src/synth/stable-json';
import { emitModel, type Emitted } from './helpers';

/** The example mesh (mesh.config.ts), through the weft target, for its environment whose mesh is weft. */
describe('weft target: the example mesh', () => {
  let model: MeshModel;
  let e: Emitted;

  beforeAll(async () => {
    const loaded = await loadMeshConfig(resolve(__dirname, '../../../mesh.config.ts'));
    expect(loaded.diagnostics).toEqual([]);
    const built = loaded.mesh!.toModel();
    expect(built.diagnostics).toEqual([]);
    model = built.model!;
    e = emitModel(model, model.environments.find((env) => env.mesh === 'weft')!.name);
  });

  it('emits a config every workload\'s proxy accepts (ajv on the published schema, zod, cross-references)', () => {
    const envModel = modelForEnvironment(model, model.environments.find((env) => env.mesh === 'weft')!);
    const workloads = [
      ...envModel.services.flatMap((s) => s.versions.map((v) => `${s.namespace}/${workloadName(s, v)}.json`)),
      // One gateway workload per Gateway construct (gateway.ts).
      ...envModel.gateways.map((g) => `${g.namespace}/${g.name}-gateway.json`),
    ];
    expect(workloads.length).toBeGreaterThan(5);
    expect((e.output.files ?? []).map((f) => f.path).sort()).toEqual([...workloads].sort());
    for (const f of e.output.files ?? []) {
      const loaded = parseProxyConfigText(jsonFileText(f.json), f.path);
      expect(proxyConfigSchema.safeParse(JSON.parse(jsonFileText(f.json))).success, f.path).toBe(true);
      expect(loaded.config.version).toBe(1);
    }
    expect(e.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('puts the same bytes in each workload\'s ConfigMap as in its file', () => {
    for (const f of e.output.files ?? []) {
      const [namespace, file] = f.path.split('/') as [string, string];
      const cm = e.output.manifests.find((m) => m.kind === 'ConfigMap' && m.metadata.namespace === namespace && m.metadata.name === `${file.replace(/\.json$/, '')}-proxy`);
      expect(cm, f.path).toBeDefined();
      expect((cm as unknown as { data: Record<string, string> }).data).toEqual({ 'proxy.json': jsonFileText(f.json) });
    }
  });

  it('routes the seed system: springboot-app 20/80 and jason → v2, as seen from golang-app-gateway', () => {
    const w = 'storefront/golang-app-gateway-v1';
    expect(e.route(w, 'springboot-app.storefront/jason')).toMatchObject({
      match: { headers: { 'end-user': { exact: 'jason' } } },
      action: { destinations: [{ service: 'springboot-app', subset: 'v2', weight: 100 }] },
      timeoutMs: 2000,
      retries: { attempts: 3, perTryTimeoutMs: 500, retryOn: ['5xx', 'reset', 'connect-failure'] },
    });
    expect(e.route(w, 'springboot-app.storefront/canary').action).toEqual({
      type: 'forward',
      destinations: [
        { service: 'springboot-app', subset: 'v1', weight: 20 },
        { service: 'springboot-app', subset: 'v2', weight: 80 },
      ],
    });
    expect(e.service(w, 'springboot-app').outlierDetection).toMatchObject({ consecutive5xxErrors: 5, intervalMs: 10000, baseEjectionTimeMs: 30000, maxEjectionPercent: 50 });
    expect(e.service(w, 'python-app-anticaptcha').loadBalancer).toEqual({ type: 'consistent-hash', hashOn: { header: 'x-session-id' }, algorithm: 'ring-hash' });
    // The anticaptcha service limits itself on its inbound listener.
    expect(e.config('storefront/python-app-anticaptcha-v1').listeners.inbound!.rateLimit).toEqual({ maxTokens: 100, tokensPerFill: 50, fillIntervalMs: 1000 });
    // The dev environment's observability overrides apply.
    expect(e.config(w).observability).toEqual({ metrics: true, accessLog: true, tracing: { samplingPercent: 100, otlp: { endpoint: 'http://otel-collector.observability:4318/v1/traces' } } });
  });

  it('is deterministic: the same model gives the same bytes', () => {
    const again = emitModel(model, model.environments.find((env) => env.mesh === 'weft')!.name);
    expect(again.output).toEqual(e.output);
    expect(again.diagnostics).toEqual(e.diagnostics);
  });

  it('writes sorted keys, two-space indentation, the schema reference and a trailing newline', () => {
    for (const f of e.output.files ?? []) {
      expect(jsonFileText(f.json).endsWith('}\n')).toBe(true);
      expect(jsonFileText(f.json).startsWith('{\n  "$schema": "../../../../schemas/weft-proxy-config.schema.json",\n')).toBe(true);
      const sorted = (v: unknown): boolean =>
        Array.isArray(v) ? v.every(sorted) : v && typeof v === 'object' ? Object.keys(v).join() === Object.keys(v).sort().join() && Object.values(v).every(sorted) : true;
      expect(sorted(JSON.parse(jsonFileText(f.json))), f.path).toBe(true);
    }
  });
});

describe('weft target: through synth', () => {
  it('lands in dist/<env>/weft/<namespace>/ next to the manifests', async () => {
    const { compileModel } = await import('../../../src/synth/compile');
    const { kubernetesTarget } = await import('../../../src/targets/kubernetes/index');
    const { weftTarget } = await import('../../../src/targets/weft/index');
    const { weftMesh, modelOf } = await import('./helpers');
    const mesh = weftMesh();
    const t = mesh.team('shop');
    const api = t.service('api', { port: 8080, versions: { v1: { image: 'x/api:1.0' }, v2: { image: 'x/api:2.0' } } });
    t.service('web', { port: 8080, versions: { v1: { image: 'x/web:1.0' } }, calls: [api] });
    // Synth passes the weft target's wiring to the Kubernetes target (EmitContext.wiring).
    const result = compileModel(modelOf(mesh), { targets: [kubernetesTarget, weftTarget] });
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const paths = [...result.files.keys()];
    for (const p of ['dev/weft/shop/web-v1.json', 'dev/weft/shop/configmap-web-v1-proxy.yaml', 'dev/weft/shop/service-api-v2.yaml', 'dev/kubernetes/shop/deployment-web-v1.yaml'])
      expect(paths).toContain(p);
    expect(result.files.get('dev/kubernetes/shop/deployment-web-v1.yaml')).toContain('weft-proxy');
    // The schema reference resolves from the file's folder to the repository root.
    expect(resolve('/repo/dist', 'dev/weft/shop', '../../../../schemas/x.json')).toBe('/repo/schemas/x.json');
  });
});
