import { describe, expect, it } from 'vitest';
import { Mesh } from '../../src/index';
import { analyze } from '../../src/analyze/index';
import { canonicalHost } from '../../src/model/hosts';
import { ModelIndex, modelForEnvironment } from '../../src/model/query';
import type { MeshModel } from '../../src/model/mesh';
import { planVirtualServices } from '../../src/targets/istio/routing';

/**
 * One host canonicalisation (src/model/hosts.ts): the analyzer and the Istio plan must group
 * route hosts identically, or the analyzer would pass a mesh whose VirtualServices conflict
 * (or warn about one that compiles cleanly).
 */
function meshWithHosts(hosts: readonly string[]): MeshModel {
  const mesh = new Mesh('m', { environments: { prod: { mesh: 'istio' } } });
  const team = mesh.team('books', { namespace: 'books' });
  const reviews = team.service('reviews', { port: 8080, versions: { v1: { image: 'x/reviews:1' }, v2: { image: 'x/reviews:2' } } });
  mesh.team('other', { namespace: 'other' }).service('ratings', { port: 8080, versions: { v1: { image: 'x/ratings:1' } } });
  hosts.forEach((host, i) =>
    reviews.route(`r${i}`, { hosts: [host], match: { headers: { 'x-route': { exact: String(i) } } }, to: reviews.version(i % 2 ? 'v2' : 'v1') }),
  );
  const { model, diagnostics } = mesh.toModel();
  expect(diagnostics).toEqual([]);
  return modelForEnvironment(model!, model!.environments[0]!);
}

/** Route hosts grouped as each side groups them: canonical host → the routes' names. */
function analyzerGroups(model: MeshModel): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const s of model.services)
    for (const r of s.routes)
      for (const h of r.hosts) {
        const key = canonicalHost(h, s.namespace, model);
        groups.set(key, [...(groups.get(key) ?? []), r.name]);
      }
  return groups;
}

function istioGroups(model: MeshModel): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const plan of planVirtualServices(model, new ModelIndex(model))) {
    const routes = plan.entries.filter((e) => !e.synthetic).map((e) => e.route.name);
    if (routes.length > 0) groups.set(plan.canonical, routes);
  }
  return groups;
}

describe('host canonicalisation', () => {
  it('follows its documented rules', () => {
    const model = meshWithHosts([]);
    const fqdn = 'reviews.books.svc.cluster.local';
    expect(canonicalHost('reviews', 'books', model)).toBe(fqdn);
    expect(canonicalHost('Reviews.Books', 'other', model)).toBe(fqdn);
    expect(canonicalHost('reviews.books.svc', 'other', model)).toBe(fqdn);
    expect(canonicalHost(fqdn, 'other', model)).toBe(fqdn);
    expect(canonicalHost('gw-ns/reviews.books', 'other', model)).toBe(fqdn);
    // Not a namespace of the mesh: an external two-label name stays as written.
    expect(canonicalHost('example.com', 'books', model)).toBe('example.com');
    expect(canonicalHost('*.example.com', 'books', model)).toBe('*.example.com');
  });

  it('groups hosts in the Istio plan exactly as the analyzer does', () => {
    const model = meshWithHosts(['reviews', 'reviews.books', 'reviews.books.svc', 'reviews.books.svc.cluster.local', 'ratings.other', 'shop.example.com']);
    const analyzer = analyzerGroups(model);
    const istio = istioGroups(model);
    expect(istio).toEqual(analyzer);
    // The four spellings of the service's own host are one VirtualService.
    expect(istio.get('reviews.books.svc.cluster.local')).toEqual(['r0', 'r1', 'r2', 'r3']);
  });

  it('lets the analyzer see a shadowed route across spellings of one host, as Istio merges them', () => {
    const mesh = new Mesh('m', { environments: { prod: { mesh: 'istio' } } });
    const svc = mesh.team('books', { namespace: 'books' }).service('reviews', { port: 8080, versions: { v1: { image: 'x/r:1' } } });
    svc.route('all', { hosts: ['reviews'], to: svc.version('v1') });
    svc.route('later', { hosts: ['reviews.books'], match: { path: { prefix: '/x' } }, to: svc.version('v1') });
    const { model } = mesh.toModel();
    const shadowed = analyze(model!).filter((d) => d.code === 'WEFT121').map((d) => d.path);
    const plans = planVirtualServices(modelForEnvironment(model!, model!.environments[0]!), new ModelIndex(model!));
    expect(plans.filter((p) => p.entries.some((e) => e.route.name === 'later'))).toHaveLength(1);
    expect(plans.find((p) => p.entries.some((e) => e.route.name === 'later'))!.entries.map((e) => e.route.name)).toContain('all');
    // route-order reports the later route as shadowed by the catch-all on the same host.
    expect(shadowed).toHaveLength(1);
    expect(shadowed[0]).toContain('later');
  });
});
