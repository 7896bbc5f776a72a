import { describe, expect, it } from 'vitest';
import { Mesh } from '../../../src/index';
import { emit, find } from './helpers';

/** Issue 8 §2: what a real cluster would get wrong, each checked on the emitted objects. */
describe('istio semantics', () => {
  it('escapes a literal % in header values as %% (Envoy reads % as a substitution formatter)', () => {
    const mesh = new Mesh('m', { environments: { prod: { mesh: 'istio' } } });
    const s = mesh.team('a').service('s', { port: 80, versions: { v1: { image: 'x/s:1' } } });
    s.route('pct', { to: s, headers: { request: { set: { 'x-discount': '50%' } }, response: { add: { 'x-load': '%DOWNSTREAM_REMOTE_ADDRESS%' } } } });
    const vs = find(emit(mesh).manifests, 'VirtualService', 's');
    expect(vs.spec.http[0].headers).toEqual({ request: { set: { 'x-discount': '50%%' } }, response: { add: { 'x-load': '%%DOWNSTREAM_REMOTE_ADDRESS%%' } } });
  });

  it('keeps Istio\'s default retries where none are declared, and writes attempts: 0 only when declared', () => {
    const mesh = new Mesh('m', { environments: { prod: { mesh: 'istio' } } });
    const t = mesh.team('a');
    t.service('plain', { port: 80, versions: { v1: { image: 'x/p:1' } } });
    t.service('none', { port: 80, versions: { v1: { image: 'x/n:1' } }, resilience: { retries: { attempts: 0 } } });
    const { manifests } = emit(mesh);
    expect(find(manifests, 'VirtualService', 'plain').spec.http[0]).not.toHaveProperty('retries');
    expect(find(manifests, 'VirtualService', 'none').spec.http[0].retries).toEqual({ attempts: 0 });
  });

  it('gives a wildcard external host resolution NONE, not DNS, and says so (WEFT620)', () => {
    const mesh = new Mesh('m', { environments: { prod: { mesh: 'istio' } } });
    const t = mesh.team('a');
    const wiki = t.externalService('wiki', { hosts: ['*.wikipedia.org'], ports: [{ port: 443, protocol: 'https' }] });
    const exact = t.externalService('api', { hosts: ['api.example.com'] });
    t.service('s', { port: 80, versions: { v1: { image: 'x/s:1' } }, calls: [wiki, exact] });
    const { manifests, diagnostics } = emit(mesh);
    expect(find(manifests, 'ServiceEntry', 'wiki').spec.resolution).toBe('NONE');
    expect(find(manifests, 'ServiceEntry', 'api').spec.resolution).toBe('DNS');
    expect(diagnostics.filter((d) => d.code === 'WEFT620').map((d) => d.message)).toEqual([expect.stringContaining('*.wikipedia.org')]);
  });
});
