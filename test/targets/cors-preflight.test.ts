import { describe, expect, it } from 'vitest';
import { weftMesh, emit } from './weft/helpers';

/** Issue 8 §2, CORS preflight: the weft proxy's routes take the preflight the way Istio's do (test/targets/istio/routing-semantics.test.ts). */
describe('CORS preflight in the weft target', () => {
  it('adds a preflight route after a method-restricted CORS route, in the caller\'s outbound routes', () => {
    const mesh = weftMesh();
    const t = mesh.team('shop');
    const orders = t.service('orders', { port: 8080, versions: { v1: { image: 'x/o:1' } } });
    orders.route('api', { match: { path: { prefix: '/orders' }, methods: ['GET', 'POST'] }, to: orders, cors: { allowOrigins: ['https://shop.example.com'] } });
    t.service('web', { port: 8080, versions: { v1: { image: 'x/w:1' } }, calls: [orders] });
    const e = emit(mesh);
    const routes = e.routes('shop/web-v1').filter((r) => r.name.includes('api'));
    expect(routes.map((r) => [r.name, r.match])).toEqual([
      [routes[0]!.name, { path: { prefix: '/orders' }, methods: ['GET', 'POST'] }],
      [`${routes[0]!.name}-preflight`, { path: { prefix: '/orders' }, methods: ['OPTIONS'], headers: { origin: { regex: '.+' }, 'access-control-request-method': { regex: '.+' } } }],
    ]);
    expect(routes[1]!.cors).toEqual(routes[0]!.cors);
  });
});
