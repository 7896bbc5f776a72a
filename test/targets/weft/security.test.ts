import { describe, expect, it } from 'vitest';
import { Mesh } from '../../../src/index';
import { schemaCheck } from '../../../src/synth/schema-check';
import { weftTarget } from '../../../src/targets/weft/index';
import { emit } from './helpers';

const JWKS = JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0', kid: 'k1' }] });

function secureMesh() {
  const mesh = new Mesh('shop', { environments: { dev: { mesh: 'weft' } }, security: { mtls: 'strict', authorization: 'deny-by-default' } });
  const t = mesh.team('shop');
  const orders = t.service('orders', { ports: [{ port: 80, targetPort: 8080 }], versions: { v1: { image: 'x/o:1' } } });
  const web = t.service('web', { port: 8080, versions: { v1: { image: 'x/w:1' } }, calls: [orders] });
  orders.requireJwt('idp', { issuer: 'https://idp.example.com', jwks: JWKS, audiences: ['orders'], fromHeaders: [{ name: 'x-token', prefix: 'Bearer ' }], forwardOriginalToken: true });
  orders.allow('writers', { from: { jwtClaims: { scope: ['orders:write'] } }, to: { methods: ['POST'], paths: ['/orders*'], ports: [80] } });
  orders.deny('no-admin', { from: { ipBlocks: ['10.0.0.0/8'] }, to: { paths: ['/admin*'] } });
  return { mesh, orders, web };
}

describe('weft target: mTLS identities, authorization and JWT', () => {
  it('emits cert-manager issuers and one SPIFFE certificate per service account, valid against the cert-manager CRDs', () => {
    const e = emit(secureMesh().mesh);
    const cm = e.output.manifests.filter((m) => m.apiVersion === 'cert-manager.io/v1');
    expect(cm.map((m) => `${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`)).toEqual([
      'ClusterIssuer//weft-selfsigned',
      'Certificate/cert-manager/weft-mesh-ca',
      'ClusterIssuer//weft-mesh-ca',
      'Certificate/shop/orders-weft-identity',
      'Certificate/shop/web-weft-identity',
    ]);
    expect(cm[3]!.spec).toMatchObject({ secretName: 'orders-weft-identity', uris: ['spiffe://cluster.local/ns/shop/sa/orders'], issuerRef: { kind: 'ClusterIssuer', name: 'weft-mesh-ca' } });
    const checked = schemaCheck(cm, 'dev');
    expect(checked.unchecked).toEqual([]);
    expect(checked.diagnostics).toEqual([]);
    // A broken object is caught: the check is real.
    const broken = { ...cm[3]!, spec: { ...(cm[3]!.spec as object), duration: 24 } };
    expect(schemaCheck([broken], 'dev').diagnostics.length).toBe(1);
  });

  it('mounts the identity Secret into the sidecar and points the config at its files', () => {
    const e = emit(secureMesh().mesh);
    const orders = e.model.services.find((s) => s.name === 'orders')!;
    const wiring = weftTarget.wiring!(e.ctx, orders, orders.versions[0]!);
    expect(wiring.volumes).toContainEqual({ name: 'weft-proxy-identity', secret: { secretName: 'orders-weft-identity' } });
    expect((wiring.containers![0] as { volumeMounts: unknown[] }).volumeMounts).toContainEqual({ name: 'weft-proxy-identity', mountPath: '/etc/weft-identity', readOnly: true });
    expect(e.config('shop/orders-v1').security!.mtls).toEqual({ mode: 'STRICT', trustDomain: 'cluster.local', files: { certFile: '/etc/weft-identity/tls.crt', keyFile: '/etc/weft-identity/tls.key', caFile: '/etc/weft-identity/ca.crt' } });
  });

  it('calls mTLS services with secure naming on their SPIFFE id', () => {
    const e = emit(secureMesh().mesh);
    expect(e.service('shop/web-v1', 'orders').tls).toEqual({ mode: 'ISTIO_MUTUAL', subjectAltNames: ['spiffe://cluster.local/ns/shop/sa/orders'] });
  });

  it('maps deny-by-default, callers, allow and deny rules and JWT as the Istio target does', () => {
    const e = emit(secureMesh().mesh);
    const sec = e.config('shop/orders-v1').security!;
    expect(sec.authorization!.policies).toEqual([
      { name: 'allow-nothing', namespace: 'shop', action: 'ALLOW', rules: [] },
      {
        name: 'orders',
        namespace: 'shop',
        action: 'ALLOW',
        rules: [
          { from: [{ source: { principals: ['cluster.local/ns/shop/sa/web'] } }] },
          // Port 80 targets 8080: Istio's `ports` is the workload's port.
          { to: [{ operation: { methods: ['POST'], paths: ['/orders*'], ports: [8080] } }], when: [{ key: 'request.auth.claims[scope]', values: ['orders:write'] }] },
        ],
      },
      { name: 'orders-deny', namespace: 'shop', action: 'DENY', rules: [{ from: [{ source: { ipBlocks: ['10.0.0.0/8'] } }], to: [{ operation: { paths: ['/admin*'] } }] }] },
    ]);
    expect(sec.jwt).toEqual([{ name: 'idp', issuer: 'https://idp.example.com', jwks: JWKS, audiences: ['orders'], fromHeaders: [{ name: 'x-token', prefix: 'Bearer ' }], fromParams: [], forwardOriginalToken: true }]);
    expect(sec.jwtRequired).toBe(true);
    // web has no callers and no rules: deny-by-default leaves only the baseline.
    expect(e.config('shop/web-v1').security!.authorization!.policies).toEqual([{ name: 'allow-nothing', namespace: 'shop', action: 'ALLOW', rules: [] }]);
    expect(e.codes()).not.toContain('WEFT640');
  });

  it('emits per-version Services headless, replaced rather than patched by Argo CD', () => {
    const e = emit(secureMesh().mesh);
    const svc = e.output.manifests.find((m) => m.kind === 'Service' && m.metadata.name === 'orders-v1')!;
    expect(svc.spec).toMatchObject({ clusterIP: 'None', ports: [{ port: 80, targetPort: 15006 }] });
    expect(svc.metadata.annotations!['argocd.argoproj.io/sync-options']).toBe('Replace=true');
  });

  it('writes no identities when no service uses mTLS', () => {
    const mesh = new Mesh('shop', { environments: { dev: { mesh: 'weft' } }, security: { mtls: 'disable', authorization: 'allow-all' } });
    mesh.team('shop').service('a', { port: 8080, versions: { v1: { image: 'x/a:1' } } });
    const e = emit(mesh);
    expect(e.output.manifests.some((m) => m.apiVersion === 'cert-manager.io/v1')).toBe(false);
    expect(e.config('shop/a-v1').security).toBeUndefined();
  });
});

describe('weft target: span export', () => {
  it('writes the mesh\'s otlpEndpoint into every config, and reports a provider without one (WEFT654)', () => {
    const withEndpoint = new Mesh('shop', {
      environments: { dev: { mesh: 'weft' } },
      security: { mtls: 'disable', authorization: 'allow-all' },
      observability: { tracing: { samplingPercent: 5, provider: 'otel', otlpEndpoint: 'http://otel-collector.observability:4318/v1/traces' } },
    });
    withEndpoint.team('shop').service('a', { port: 8080, versions: { v1: { image: 'x/a:1' } } });
    const e = emit(withEndpoint);
    expect(e.config('shop/a-v1').observability!.tracing).toEqual({ samplingPercent: 5, otlp: { endpoint: 'http://otel-collector.observability:4318/v1/traces' } });
    expect(e.codes()).not.toContain('WEFT654');
    const providerOnly = new Mesh('shop', { environments: { dev: { mesh: 'weft' } }, security: { mtls: 'disable', authorization: 'allow-all' }, observability: { tracing: { samplingPercent: 5, provider: 'otel' } } });
    providerOnly.team('shop').service('a', { port: 8080, versions: { v1: { image: 'x/a:1' } } });
    const p = emit(providerOnly);
    expect(p.config('shop/a-v1').observability!.tracing).toEqual({ samplingPercent: 5 });
    expect(p.codes()).toContain('WEFT654');
  });
});
