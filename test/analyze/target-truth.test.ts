import { describe, expect, it } from 'vitest';
import { Mesh } from '../../src/index';
import { diagnose, withCode } from './helpers';
import { emit as emitIstio, find } from '../targets/istio/helpers';
import { emit as emitConsul, find as findConsul } from '../targets/consul/helpers';
import { emitFor } from '../targets/kubernetes/helpers';

/**
 * The analyzer speaks of what the meshes do; these tests hold each message against the output of
 * the targets it speaks of, so that a diagnostic cannot claim a 404, a rejection or sniffing that
 * the emitted objects do not produce.
 */
function mesh(): Mesh {
  return new Mesh('shop', { environments: { prod: { mesh: 'istio' }, staging: { mesh: 'consul' } } });
}
const v1v2 = { v1: { image: 'example/app:1.0.0' }, v2: { image: 'example/app:2.0.0' } };
const v1 = { v1: { image: 'example/app:1.0.0' } };

describe('diagnostics are true for the targets they speak of', () => {
  it('WEFT124: unmatched requests on the own host go to the service as a whole (Istio appends `default`); on another host, 404', () => {
    const m = mesh();
    const app = m.team('shop').service('app', { port: 8080, versions: v1v2 });
    app.route('jason', { match: { headers: { 'end-user': { exact: 'jason' } } }, to: app.version('v2') });
    app.route('internal', { hosts: ['api.internal.example'], match: { path: { prefix: '/v1' } }, to: app.version('v1') });
    const [own, other] = withCode(diagnose(m), 'WEFT124');
    expect(own!.message).toContain('go to the service as a whole');
    expect(other!.message).toContain('for host "api.internal.example"');
    expect(other!.message).toContain('404');
    const { manifests } = emitIstio(m);
    const ownRoutes = find(manifests, 'VirtualService', 'app', 'shop').spec.http;
    // The last route of the own host catches everything and sends to the service, no subset: every version.
    expect(ownRoutes.at(-1)).toMatchObject({ name: 'default', route: [{ destination: { host: 'app.shop.svc.cluster.local' } }] });
    expect(ownRoutes.at(-1).match).toBeUndefined();
    expect(ownRoutes.at(-1).route[0].destination.subset).toBeUndefined();
    // The other host's VirtualService has no catch-all: Envoy answers 404 (NR) for the rest.
    const otherVs = manifests.filter((x: any) => x.kind === 'VirtualService' && x.spec.hosts.includes('api.internal.example'));
    expect(otherVs).toHaveLength(1);
    expect((otherVs[0] as any).spec.http.every((r: any) => r.match?.length)).toBe(true);
  });

  it('WEFT305: the caller the message names is admitted on the route target by the Istio ALLOW policy and by a Consul intention', () => {
    const m = mesh();
    const t = m.team('shop');
    const legacy = t.service('legacy', { port: 8080, versions: v1 });
    const orders = t.service('orders', { port: 8080, versions: v1 });
    t.service('front', { port: 8080, versions: v1, calls: [orders] });
    orders.route('default', { to: orders, mirror: { to: legacy, percent: 10 } });
    orders.route('legacy-path', { match: { path: { prefix: '/v1' } }, to: legacy });
    const found = withCode(diagnose(m), 'WEFT305');
    expect(found.map((d) => d.message)).toEqual([expect.stringContaining('mesh admits caller "front"'), expect.stringContaining('mesh admits caller "front"')]);
    const allow = find(emitIstio(m).manifests, 'AuthorizationPolicy', 'legacy', 'shop').spec;
    expect(allow.action).toBe('ALLOW');
    expect(allow.rules.flatMap((r: any) => r.from?.flatMap((f: any) => f.source.principals ?? []) ?? [])).toContain('cluster.local/ns/shop/sa/front');
    const intentions = findConsul(emitConsul(m).manifests, 'ServiceIntentions', 'legacy').spec;
    expect(intentions.sources).toContainEqual(expect.objectContaining({ name: 'front', action: 'allow' }));
  });

  it('WEFT402: the Service port carries the declared protocol as appProtocol, so the name is not what the mesh reads', async () => {
    const m = mesh();
    m.team('shop').service('app', { ports: [{ port: 8080, name: 'web' }, { port: 9090, protocol: 'http', name: 'grpc-api' }], versions: v1 });
    const found = withCode(diagnose(m), 'WEFT402');
    expect(found.map((d) => d.message)).toEqual([expect.stringContaining('named "grpc-api", which announces grpc: the mesh follows the declaration')]);
    const { find: findK8s } = await emitFor(m, 'prod');
    expect((findK8s('Service', 'app') as any).spec.ports.map((p: any) => [p.name, p.appProtocol])).toEqual([
      ['web', 'http'],
      ['grpc-api', 'http'],
    ]);
  });
});
