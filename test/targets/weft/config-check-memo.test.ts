import { describe, expect, it, vi } from 'vitest';
import type { MeshModel } from '../../../src/model/mesh';
import * as issuesModule from '../../../src/proxy/config/issues';
import { emitModel, modelOf, weftMesh } from './helpers';

// Counts the proxy loader's checks the weft target runs (src/targets/weft/emit.ts `configIssues`).
vi.mock('../../../src/proxy/config/issues', async (original) => {
  const actual = await original<typeof issuesModule>();
  return { ...actual, proxyConfigIssues: vi.fn(actual.proxyConfigIssues) };
});

function mesh() {
  const m = weftMesh();
  const t = m.team('shop');
  const api = t.service('api', { port: 8080, versions: { v1: { image: 'x/api:1' }, v2: { image: 'x/api:2' } } });
  api.route('tagged', { headers: { request: { set: { 'x-good': '1' } } }, to: api.version('v2') });
  t.service('client', { port: 8080, versions: { v1: { image: 'x/c:1' } }, calls: [api] });
  return m;
}

/**
 * The proxy's loader checks each config text once per process: a warm compile (`weft synth
 * --watch`) re-emits every workload on each save, and checks again only the configs whose text
 * changed. A refused config is never remembered, so it is reported on every compile.
 */
describe('the proxy-config check, once per config text', () => {
  const checks = vi.mocked(issuesModule.proxyConfigIssues);

  it('checks an unchanged config once across compiles, and a changed one again', () => {
    const model = modelOf(mesh());
    checks.mockClear();
    const first = emitModel(model);
    const configs = first.output.files!.length;
    expect(configs).toBe(3); // api-v1, api-v2, client-v1
    expect(checks).toHaveBeenCalledTimes(configs);

    checks.mockClear();
    const second = emitModel(model);
    expect(checks).not.toHaveBeenCalled();
    expect(second.output.files).toEqual(first.output.files);
    expect(second.diagnostics.filter((d) => d.code === 'WEFT653')).toEqual([]);

    // One workload's config changes (the route's header value): only that one is checked again.
    const edited = structuredClone(model) as MeshModel;
    (edited.services.find((s) => s.name === 'api')!.routes[0] as unknown as { headers: { request: { set: Record<string, string> } } }).headers.request.set = { 'x-good': '2' };
    checks.mockClear();
    emitModel(edited);
    expect(checks.mock.calls.length).toBeGreaterThan(0);
    expect(checks.mock.calls.length).toBeLessThan(configs);
  });

  it('reports a refused config on every compile', () => {
    const model = structuredClone(modelOf(mesh())) as MeshModel;
    (model.services.find((s) => s.name === 'api')!.routes[0] as unknown as { headers: { request: { set: Record<string, string> } } }).headers.request.set = { 'x bad header': '1' };
    for (let i = 0; i < 2; i++) {
      const refused = emitModel(model).diagnostics.filter((d) => d.code === 'WEFT653');
      expect(refused.length, `compile ${i + 1}`).toBeGreaterThan(0);
      expect(refused[0]!.message).toContain('$.routes[0].headers.request.set');
    }
  });
});
