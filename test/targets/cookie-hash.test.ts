import { describe, expect, it } from 'vitest';
import { Mesh, duration } from '../../src/index';
import { emit as emitConsul, file as consulFile, find as findConsul } from './consul/helpers';
import { emit as emitIstio, expectValid, find as findIstio } from './istio/helpers';
import { emit as emitWeft } from './weft/helpers';

/**
 * A consistent-hash cookie without a ttl is a session cookie the proxy generates: every target
 * must say "generate it, without Max-Age". Each data plane spells that differently, and each has
 * a spelling that silently generates nothing (Istio/Envoy: ttl absent; Consul: ttl 0).
 */
function mesh(): Mesh {
  const m = new Mesh('shop', {
    environments: { prod: { mesh: 'istio' }, staging: { mesh: 'consul' }, dev: { mesh: 'weft' } },
    security: { mtls: 'disable', authorization: 'allow-all' },
  });
  const t = m.team('shop');
  const v = { v1: { image: 'i' } };
  const session = t.service('session', { port: 8080, versions: v, resilience: { loadBalancer: { policy: 'consistent-hash', cookie: { name: 'sid', path: '/' } } } });
  const lasting = t.service('lasting', { port: 8080, versions: v, resilience: { loadBalancer: { policy: 'consistent-hash', cookie: { name: 'sid', ttl: duration.hours(1) } } } });
  t.service('client', { port: 8080, versions: v, calls: [session, lasting] });
  return m;
}

describe('consistent-hash cookie without ttl: a session cookie on every target', () => {
  it('istio writes ttl: 0s (Envoy generates a session cookie; an absent ttl generates none)', () => {
    const { manifests, diagnostics } = emitIstio(mesh(), 'prod');
    expect(diagnostics).toEqual([]);
    expectValid(manifests.filter((x) => x.kind === 'DestinationRule'));
    expect(findIstio(manifests, 'DestinationRule', 'session').spec.trafficPolicy.loadBalancer).toEqual({ consistentHash: { httpCookie: { name: 'sid', path: '/', ttl: '0s' } } });
    expect(findIstio(manifests, 'DestinationRule', 'lasting').spec.trafficPolicy.loadBalancer).toEqual({ consistentHash: { httpCookie: { name: 'sid', ttl: '3600s' } } });
  });

  it('consul writes cookieConfig.session: true (a ttl of 0 would generate none)', () => {
    const { manifests, files } = emitConsul(mesh(), 'staging');
    const policy = (name: string) => findConsul(manifests, 'ServiceResolver', name).spec.loadBalancer.hashPolicies[0];
    expect(policy('session')).toEqual({ field: 'cookie', fieldValue: 'sid', cookieConfig: { session: true, path: '/' } });
    expect(policy('lasting')).toEqual({ field: 'cookie', fieldValue: 'sid', cookieConfig: { ttl: '1h' } });
    // The same as a config entry (`consul config write`).
    expect(consulFile(files, 'config-entries/service-resolver-session.json').LoadBalancer.HashPolicies).toEqual([{ Field: 'cookie', FieldValue: 'sid', CookieConfig: { Session: true, Path: '/' } }]);
  });

  it('the weft proxy gets ttlMs: 0, its (and Envoy\'s) spelling of a session cookie', () => {
    const e = emitWeft(mesh(), 'dev');
    expect(e.service('shop/client-v1', 'session').loadBalancer).toEqual({ type: 'consistent-hash', hashOn: { cookie: { name: 'sid', ttlMs: 0, path: '/' } }, algorithm: 'ring-hash' });
    expect(e.service('shop/client-v1', 'lasting').loadBalancer).toEqual({ type: 'consistent-hash', hashOn: { cookie: { name: 'sid', ttlMs: 3_600_000 } }, algorithm: 'ring-hash' });
  });
});
