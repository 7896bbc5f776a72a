import { describe, expect, it } from 'vitest';
import { Mesh } from '../../../src/index';
import { Reporter } from '../../../src/diagnostics/reporter';
import { emitContext } from '../../../src/synth/emit-context';
import { codeRegistry } from '../../../src/synth/registry';
import { checkTlsConflicts } from '../../../src/targets/istio/checks/tls-conflict';
import { istioContext } from '../../../src/targets/istio/common';
import type { Diagnostic } from '../../../src/diagnostics/diagnostic';
import { codes, emit, find } from './helpers';

const envs = { prod: { mesh: 'istio' as const } };

describe('WEFT601 route to a version whose subset selects no Deployment', () => {
  it('warns on a version scaled to 0 in the environment, and leaves an undeclared version to the analyzer (WEFT104)', () => {
    const m = new Mesh('m', { environments: { prod: { mesh: 'istio', services: { s: { versions: { v2: { replicas: 0 } } } } } } });
    const s = m.team('a').service('s', { port: 80, versions: { v1: { image: 'i' }, v2: { image: 'i' } } });
    s.route('ghost', { match: { path: { prefix: '/g' } }, to: s.version('v3') });
    s.route('cold', { to: s.version('v2') });
    const { diagnostics } = emit(m);
    expect(diagnostics.map((d) => [d.code, d.severity])).toEqual([['WEFT601', 'warning']]);
    expect(diagnostics[0]!.message).toContain('version "v2"');
    expect(diagnostics[0]!.message).toContain('0 replicas');
  });
  it('near miss: declared, running versions pass', () => {
    const m = new Mesh('m', { environments: envs });
    const s = m.team('a').service('s', { port: 80, versions: { v1: { image: 'i' }, v2: { image: 'i' } } });
    s.route('split', { to: [s.version('v1').weight(50), s.version('v2').weight(50)] });
    expect(codes(emit(m).diagnostics)).toEqual([]);
  });
});

describe('WEFT602 more than one VirtualService for a host on the mesh', () => {
  it('triggers when two namespaces route the same host', () => {
    const m = new Mesh('m', { environments: envs });
    const target = m.team('b').service('backend', { port: 80, versions: { v1: { image: 'i' } } });
    m.team('a').service('front', { port: 80, versions: { v1: { image: 'i' } } }).route('hijack', { hosts: [target.host], to: target });
    const { diagnostics } = emit(m);
    expect(codes(diagnostics)).toEqual(['WEFT602']);
    expect(diagnostics[0]!.message).toContain('backend.b.svc.cluster.local');
  });
  it('triggers when a short name and the full name resolve alike in different namespaces… but merges them in one namespace (near miss)', () => {
    const m = new Mesh('m', { environments: envs });
    const s = m.team('a').service('s', { port: 80, versions: { v1: { image: 'i' }, v2: { image: 'i' } } });
    s.route('short', { hosts: ['s'], match: { headers: { x: '1' } }, to: s.version('v2') });
    const { manifests, diagnostics } = emit(m);
    expect(codes(diagnostics)).toEqual([]);
    expect(find(manifests, 'VirtualService', 's').spec.http.map((r: { name: string }) => r.name)).toEqual(['short', 'default']);
  });
});

describe('WEFT603 DestinationRule TLS mode conflicting with PeerAuthentication', () => {
  function run(drMode: string, paMode: string, selector?: boolean): Diagnostic[] {
    const m = new Mesh('m', { environments: envs });
    m.team('a').service('s', { port: 80, versions: { v1: { image: 'i' } } });
    const { model } = m.toModel();
    const env = model!.environments[0]!;
    const reporter = new Reporter(codeRegistry());
    const ic = istioContext(emitContext(model!, env, reporter.report));
    const out = reporter.diagnostics as Diagnostic[];
    const meta = { labels: {}, annotations: {} };
    checkTlsConflicts(ic, [
      { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { ...meta, name: 'default', namespace: 'istio-system' }, spec: { mtls: { mode: 'STRICT' } } },
      {
        apiVersion: 'security.istio.io/v1',
        kind: 'PeerAuthentication',
        metadata: { ...meta, name: selector ? 's' : 'default', namespace: 'a' },
        spec: { ...(selector ? { selector: { matchLabels: { app: 's' } } } : {}), mtls: { mode: paMode } },
      },
      { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { ...meta, name: 's', namespace: 'a' }, spec: { host: 's.a.svc.cluster.local', trafficPolicy: { tls: { mode: drMode } } } },
    ]);
    return out;
  }
  it('triggers on plaintext to a STRICT workload and on Istio mTLS to a DISABLE namespace', () => {
    expect(codes(run('DISABLE', 'STRICT', true))).toEqual(['WEFT603']);
    expect(codes(run('ISTIO_MUTUAL', 'DISABLE'))).toEqual(['WEFT603']);
  });
  it('near miss: mTLS to PERMISSIVE, plaintext to PERMISSIVE, and what Weft emits itself', () => {
    expect(run('ISTIO_MUTUAL', 'PERMISSIVE')).toEqual([]);
    expect(run('DISABLE', 'PERMISSIVE', true)).toEqual([]);
    const m = new Mesh('m', { environments: envs });
    m.team('a').service('s', { port: 80, versions: { v1: { image: 'i' } }, security: { mtls: 'disable' } });
    expect(codes(emit(m).diagnostics)).not.toContain('WEFT603');
  });
});

describe('WEFT604 authorization principals on plaintext traffic', () => {
  function mesh(mtls: 'strict' | 'permissive' | 'disable', withRule: boolean) {
    const m = new Mesh('m', { environments: envs, security: { mtls: 'strict', authorization: 'deny-by-default' } });
    const t = m.team('a');
    const s = t.service('s', { port: 80, versions: { v1: { image: 'i' } }, security: { mtls } });
    t.service('c', { port: 80, versions: { v1: { image: 'i' } }, calls: withRule ? [] : [s] });
    if (withRule) s.allow('ns', { from: { namespaces: ['a'] } });
    return m;
  }
  it('triggers (error) with mTLS disabled for the ALLOW policy derived from calls; info when permissive', () => {
    expect(emit(mesh('disable', false)).diagnostics.map((d) => [d.code, d.severity])).toEqual([['WEFT604', 'error']]);
    // A declared rule on identities is the analyzer's WEFT303, reported for every target.
    expect(emit(mesh('disable', true)).diagnostics.map((d) => [d.code, d.severity])).toEqual([]);
    expect(emit(mesh('permissive', false)).diagnostics.map((d) => [d.code, d.severity])).toEqual([['WEFT604', 'info']]);
  });
  it('near miss: strict mTLS, or disabled mTLS with an ipBlocks rule', () => {
    expect(codes(emit(mesh('strict', false)).diagnostics)).toEqual([]);
    const m = new Mesh('m', { environments: envs });
    m.team('a').service('s', { port: 80, versions: { v1: { image: 'i' } }, security: { mtls: 'disable' } }).allow('lan', { from: { ipBlocks: ['10.0.0.0/8'] } });
    expect(codes(emit(m).diagnostics)).toEqual([]);
  });
});

describe('WEFT605 HTTP routes on a TCP port', () => {
  it('triggers on a header match to a TCP port, naming the features, and on service timeouts of a TCP-only service', () => {
    const m = new Mesh('m', { environments: envs });
    const db = m.team('a').service('db', { ports: [{ port: 5432, protocol: 'tcp' }], versions: { v1: { image: 'i' } }, resilience: { timeout: '1s' } });
    db.route('by-header', { match: { headers: { x: '1' } }, to: db, retries: { attempts: 2 } });
    const { diagnostics, manifests } = emit(m);
    expect(codes(diagnostics)).toEqual(['WEFT605', 'WEFT605']);
    expect(diagnostics[0]!.message).toContain('match.headers, timeout, retries');
    expect(diagnostics[1]!.message).toContain('only TCP ports');
    expect(find(manifests, 'VirtualService', 'db').spec).toEqual({ gateways: ['mesh'], hosts: ['db.a.svc.cluster.local'] });
  });
  it('near miss: a forward-only route to a TCP port, and a header route to an HTTP port of the same service', () => {
    const m = new Mesh('m', { environments: envs });
    const svc = m.team('a').service('mixed', { ports: [{ port: 8080, protocol: 'http' }, { port: 9000, protocol: 'tcp' }], versions: { v1: { image: 'i' } } });
    svc.route('web', { match: { headers: { x: '1' } }, to: svc.version('v1').port(8080) });
    svc.route('raw', { to: svc.version('v1').port(9000) });
    expect(codes(emit(m).diagnostics)).toEqual([]);
  });
});

describe('WEFT606 retry-on classes Istio does not accept', () => {
  it('triggers once per declaration and leaves the class out', () => {
    const m = new Mesh('m', { environments: envs });
    const s = m.team('a').service('s', { port: 80, versions: { v1: { image: 'i' }, v2: { image: 'i' } }, resilience: { retries: { attempts: 2, on: ['5xx', 'on-a-whim'] } } });
    s.route('r', { match: { path: { prefix: '/r' } }, to: s.version('v2') });
    const { diagnostics, manifests } = emit(m);
    expect(codes(diagnostics)).toEqual(['WEFT606']);
    expect(diagnostics[0]!.message).toContain('"on-a-whim"');
    expect(find(manifests, 'VirtualService', 's').spec.http[0].retries.retryOn).toBe('5xx');
  });
  it('near miss: every class Istio accepts, and HTTP status codes', () => {
    const m = new Mesh('m', { environments: envs });
    m.team('a').service('s', {
      port: 80,
      versions: { v1: { image: 'i' } },
      resilience: { retries: { attempts: 2, on: ['5xx', 'gateway-error', 'reset', 'reset-before-request', 'connect-failure', 'retriable-4xx', 'refused-stream', 'retriable-headers', 'envoy-ratelimited', 'http3-post-connect-failure', 'cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable', '503'], retryNonIdempotent: true } },
    });
    expect(codes(emit(m).diagnostics)).toEqual([]);
  });
});
