import { describe, expect, it } from 'vitest';
import { Mesh } from '../../src/index';
import { analyze } from '../../src/analyze/index';
import { emit as emitIstio, find as findIstio } from './istio/helpers';
import { emit as emitConsul, find as findConsul } from './consul/helpers';
import { emit as emitWeft } from './weft/helpers';

/**
 * Issue 8 §2, narrowing calls: "productpage may only GET reviews", declared on the `calls` entry
 * or with an allow rule that names only the caller, is honoured by every target: Istio and the
 * weft proxy admit the caller by that rule only, Consul gives its source L7 permissions instead of
 * an L4 allow.
 */
function bookinfo(how: 'call' | 'rule') {
  const mesh = new Mesh('m', {
    environments: { prod: { mesh: 'istio' }, staging: { mesh: 'consul' }, dev: { mesh: 'weft' } },
    security: { mtls: 'strict', authorization: 'deny-by-default' },
  });
  const t = mesh.team('bookinfo', { namespace: 'bookinfo' });
  const reviews = t.service('reviews', { port: 9080, versions: { v1: { image: 'x/reviews:1' } } });
  const productpage = t.service('productpage', { port: 9080, versions: { v1: { image: 'x/pp:1' } }, calls: [how === 'call' ? reviews.only({ methods: ['GET'], paths: ['/reviews/*'] }) : reviews] });
  t.service('ratings', { port: 9080, versions: { v1: { image: 'x/ratings:1' } }, calls: [reviews] });
  if (how === 'rule') reviews.allow('productpage-reads', { from: { services: [productpage] }, to: { methods: ['GET'], paths: ['/reviews/*'] } });
  return mesh;
}

const PP = 'cluster.local/ns/bookinfo/sa/productpage';
const RATINGS = 'cluster.local/ns/bookinfo/sa/ratings';

describe.each(['call', 'rule'] as const)('narrowing a caller (%s)', (how) => {
  it('Istio: the caller is admitted by its narrowed rule only, other callers keep any request', () => {
    const policy = findIstio(emitIstio(bookinfo(how)).manifests, 'AuthorizationPolicy', 'reviews', 'bookinfo');
    expect(policy.spec.rules).toEqual([
      { from: [{ source: { principals: [RATINGS] } }] },
      { from: [{ source: { principals: [PP] } }], to: [{ operation: { methods: ['GET'], paths: ['/reviews/*'] } }] },
    ]);
  });

  it('weft proxy: the same ALLOW rules', () => {
    const sec = emitWeft(bookinfo(how), 'dev').config('bookinfo/reviews-v1').security!;
    const allow = sec.authorization!.policies!.find((p) => p.name === 'reviews')!;
    expect(allow.rules).toEqual([
      { from: [{ source: { principals: [RATINGS] } }] },
      { from: [{ source: { principals: [PP] } }], to: [{ operation: { methods: ['GET'], paths: ['/reviews/*'] } }] },
    ]);
  });

  it('Consul: L7 permissions for the narrowed source instead of an L4 allow', () => {
    const intentions = findConsul(emitConsul(bookinfo(how)).manifests, 'ServiceIntentions', 'reviews');
    const sources = Object.fromEntries(intentions.spec.sources.map((s: any) => [s.name, s]));
    expect(sources.ratings).toEqual({ name: 'ratings', action: 'allow' });
    expect(sources.productpage.action).toBeUndefined();
    expect(sources.productpage.permissions).toEqual([{ action: 'allow', http: { pathPrefix: '/reviews/', methods: ['GET'] } }]);
  });

  it('is no analyzer finding: the narrowing has an effect', () => {
    expect(analyze(bookinfo(how).toModel().model!).filter((d) => d.code === 'WEFT126' || d.code === 'WEFT127')).toEqual([]);
  });
});

describe('narrowing that has no effect is a warning', () => {
  it('WEFT126: a narrowed call under allow-all, or one that names nothing', () => {
    const mesh = new Mesh('m', { environments: { prod: { mesh: 'istio' } }, security: { mtls: 'strict', authorization: 'allow-all' } });
    const t = mesh.team('a');
    const reviews = t.service('reviews', { port: 80, versions: { v1: { image: 'x/r:1' } } });
    t.service('pp', { port: 80, versions: { v1: { image: 'x/p:1' } }, calls: [reviews.only({ methods: ['GET'] })] });
    const found = analyze(mesh.toModel().model!).filter((d) => d.code === 'WEFT126');
    expect(found.map((d) => d.severity)).toEqual(['warning']);
    expect(found[0]!.message).toContain('allow-all');

    const deny = new Mesh('m', { environments: { prod: { mesh: 'istio' } }, security: { mtls: 'strict', authorization: 'deny-by-default' } });
    const d = deny.team('a');
    const r2 = d.service('reviews', { port: 80, versions: { v1: { image: 'x/r:1' } } });
    d.service('pp', { port: 80, versions: { v1: { image: 'x/p:1' } }, calls: [r2.only({})] });
    expect(analyze(deny.toModel().model!).filter((x) => x.code === 'WEFT126').map((x) => x.message)).toEqual([expect.stringContaining('no methods, paths or ports')]);
  });

  it('WEFT127: an allow rule under allow-all, and one whose caller already may make any request', () => {
    const open = new Mesh('m', { environments: { prod: { mesh: 'istio' } }, security: { mtls: 'strict', authorization: 'allow-all' } });
    open.team('a').service('s', { port: 80, versions: { v1: { image: 'x/s:1' } } }).allow('x', { from: { namespaces: ['a'] } });
    expect(analyze(open.toModel().model!).filter((d) => d.code === 'WEFT127').map((d) => d.message)).toEqual([expect.stringContaining('allow-all')]);

    const mesh = new Mesh('m', { environments: { prod: { mesh: 'istio' } }, security: { mtls: 'strict', authorization: 'deny-by-default' } });
    const t = mesh.team('a');
    const reviews = t.service('reviews', { port: 80, versions: { v1: { image: 'x/r:1' } } });
    const pp = t.service('pp', { port: 80, versions: { v1: { image: 'x/p:1' } }, calls: [reviews] });
    // services + a namespace condition: not a replacement, and pp's plain call admits it anyway.
    reviews.allow('pp-in-a', { from: { services: [pp], namespaces: ['a'] }, to: { methods: ['GET'] } });
    expect(analyze(mesh.toModel().model!).filter((d) => d.code === 'WEFT127').map((d) => d.message)).toEqual([expect.stringContaining('"pp" already may make any request')]);
  });
});
