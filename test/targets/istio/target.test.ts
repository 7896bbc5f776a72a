import { describe, expect, it } from 'vitest';
import { Mesh } from '../../../src/index';
import { codeRegistry } from '../../../src/synth/registry';
import { istioTarget } from '../../../src/targets/istio/index';
import { ISTIO_CODES } from '../../../src/targets/istio/codes';
import { TARGETS } from '../../../src/targets/index';
import { emit, expectValid, find } from './helpers';

function canary() {
  const m = new Mesh('m', { environments: { prod: { mesh: 'istio' }, dev: { mesh: 'weft' } } });
  const s = m.team('a').service('s', { port: 80, versions: { v1: { image: 'i' }, v2: { image: 'i' } }, resilience: { rateLimit: { requests: 10 } } });
  s.route('canary', { to: [s.version('v1').weight(90), s.version('v2').weight(10)] });
  s.requireJwt('idp', { issuer: 'https://idp', jwksUri: 'https://idp/jwks' });
  m.gateway('gw', { hosts: ['a.example.com'] }).route('all', { to: s });
  m.team('a').externalService('x', { hosts: ['x.example.com'] });
  return m;
}

describe('istio target', () => {
  it('applies to istio environments only, and is registered with its codes', () => {
    expect(istioTarget.appliesTo({ mesh: 'istio' } as never)).toBe(true);
    expect(istioTarget.appliesTo({ mesh: 'consul' } as never)).toBe(false);
    expect(TARGETS).toContain(istioTarget);
    const all = codeRegistry().entries();
    for (const code of Object.keys(ISTIO_CODES)) expect(all.get(code)).toEqual(ISTIO_CODES[code as keyof typeof ISTIO_CODES]);
    // WEFT600–619 and WEFT620–639: the Istio target's ranges (docs/diagnostics.md); its mapping of
    // degradation reports from the degradation range (WEFT848–859, degradation-codes.ts).
    expect(Object.keys(ISTIO_CODES).filter((c) => !/^WEFT6[0-3]\d$/.test(c) && !/^WEFT8(4[89]|5\d)$/.test(c))).toEqual([]);
  });

  it('wires namespaces for sidecar injection', () => {
    expect(istioTarget.wiring!(undefined as never, { calls: [] } as never, undefined as never)).toEqual({ namespaceLabels: { 'istio-injection': 'enabled' }, injectsSidecar: true });
  });

  it('make before break: DestinationRules (new subsets) sync before the VirtualServices that route to them', () => {
    const { manifests } = emit(canary());
    const wave = (kind: string, name: string) => Number(find(manifests, kind, name).metadata.annotations!['argocd.argoproj.io/sync-wave']);
    expect(wave('DestinationRule', 's')).toBeLessThan(wave('VirtualService', 's'));
    expect(wave('Gateway', 'gw')).toBeLessThan(wave('VirtualService', 'gw-a.example.com'));
    expect(wave('ServiceEntry', 'x')).toBeLessThan(wave('VirtualService', 's'));
    // ALLOW policies exist before the allow-nothing baseline.
    expect(wave('AuthorizationPolicy', 's')).toBeLessThan(wave('AuthorizationPolicy', 'allow-nothing'));
    for (const m of manifests) expect(m.metadata.annotations?.['argocd.argoproj.io/sync-wave'], `${m.kind} ${m.metadata.name}`).toMatch(/^-?\d+$/);
  });

  it('emits every kind with the pinned API versions, each valid, with namespaces, deterministically', () => {
    const a = emit(canary());
    const b = emit(canary());
    expect(JSON.stringify(a.manifests)).toBe(JSON.stringify(b.manifests));
    expect(a.diagnostics).toEqual([]);
    expectValid(a.manifests);
    const kinds = Object.fromEntries(a.manifests.map((m) => [m.kind, m.apiVersion]));
    expect(kinds).toEqual({
      PeerAuthentication: 'security.istio.io/v1',
      RequestAuthentication: 'security.istio.io/v1',
      AuthorizationPolicy: 'security.istio.io/v1',
      Telemetry: 'telemetry.istio.io/v1',
      EnvoyFilter: 'networking.istio.io/v1alpha3',
      ServiceEntry: 'networking.istio.io/v1',
      Sidecar: 'networking.istio.io/v1',
      DestinationRule: 'networking.istio.io/v1',
      Gateway: 'networking.istio.io/v1',
      VirtualService: 'networking.istio.io/v1',
    });
    for (const m of a.manifests) expect(m.metadata.namespace).toMatch(/^[a-z0-9-]+$/);
  });
});
