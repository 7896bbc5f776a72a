import { describe, expect, it } from 'vitest';
import type { MeshModel } from '../../../src/model/mesh';
import { configIssueSource } from '../../../src/targets/weft/config-issue-source';
import { emitModel, modelOf, weftMesh } from './helpers';

/** WEFT653 points at the declaration the refused config element came from, not at the workload. */
describe('WEFT653 location', () => {
  function mesh() {
    const m = weftMesh();
    const t = m.team('shop');
    const api = t.service('api', { port: 8080, versions: { v1: { image: 'x/api:1' } } });
    const bad = api.route('bad', { headers: { request: { set: { 'x-good': '1' } } }, to: api });
    const client = t.service('client', { port: 8080, versions: { v1: { image: 'x/c:1' } }, calls: [api] });
    return { m, api, bad, client };
  }

  it('points at the route whose compiled proxy route the proxy refuses (file:line:col of api.route)', () => {
    const { m, bad, client } = mesh();
    // The constructs refuse a bad header name (WEFT001); a model carrying one anyway is stopped by the proxy's schema.
    const model = structuredClone(modelOf(m)) as MeshModel;
    (model.services.find((s) => s.name === 'api')!.routes[0] as unknown as { headers: { request: { set: Record<string, string> } } }).headers.request.set = { 'x bad header': '1' };
    const [d, ...rest] = emitModel(model).diagnostics.filter((x) => x.code === 'WEFT653');
    expect(rest).toEqual([]);
    expect(d!.message).toContain('$.routes[0].headers.request.set');
    expect(d!.path).toContain('route:bad');
    expect(d!.location?.file).toMatch(/config-issue-source\.test\.ts$/);
    expect(d!.location).toEqual(bad.location);
    expect(d!.location).not.toEqual(client.location);
  });

  it('maps services[i] to the called service, a gateway-prefixed or clause-suffixed route name to its route, and everything else to the fallback', () => {
    const { m } = mesh();
    const model = modelOf(m);
    const api = model.services.find((s) => s.name === 'api')!;
    const fallback = { path: 'fallback' };
    const config = {
      services: [{ namespace: 'shop', name: 'api' }],
      routes: [{ name: 'api.shop/bad#2' }, { name: 'public+api.shop/bad' }, { name: 'api.shop/(default)' }, { name: 'ghost.nowhere/x' }],
    } as never;
    expect(configIssueSource(model, config, '$.services[0].subsets[0].endpoints', fallback)).toBe(api);
    expect(configIssueSource(model, config, '$.routes[0].match', fallback)).toBe(api.routes[0]);
    expect(configIssueSource(model, config, '$.routes[1].headers', fallback)).toBe(api.routes[0]);
    expect(configIssueSource(model, config, '$.routes[2].timeoutMs', fallback)).toBe(api);
    expect(configIssueSource(model, config, '$.routes[3].match', fallback)).toBe(fallback);
    expect(configIssueSource(model, config, '$.listeners.inbound.port', fallback)).toBe(fallback);
    // On a gateway's config: its own route, named after the gateway workload.
    const gateway = { path: 'gw', routes: [{ path: 'gw/route:all', name: 'all' }] };
    expect(configIssueSource(model, { routes: [{ name: 'public-gateway.istio-system/all' }] } as never, '$.routes[0].match', gateway)).toBe(gateway.routes[0]);
  });
});
