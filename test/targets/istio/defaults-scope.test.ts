import { describe, expect, it } from 'vitest';
import { Mesh } from '../../../src/index';
import { emit, expectValid, find, ofKind } from './helpers';

/** Two namespaces of services, an empty team, and mesh defaults for mTLS and telemetry. */
function shop(props: Partial<ConstructorParameters<typeof Mesh>[1]> = {}): Mesh {
  const m = new Mesh('shop', {
    environments: { prod: { mesh: 'istio' }, shared: { mesh: 'istio', defaultsScope: 'mesh-wide' } },
    security: { mtls: 'strict', authorization: 'allow-all' },
    observability: { accessLogs: true, tracing: { samplingPercent: 10 } },
    ...props,
  });
  const a = m.team('a');
  a.service('one', { port: 80, versions: { v1: { image: 'i' } } });
  a.service('two', { port: 80, versions: { v1: { image: 'i' } }, security: { mtls: 'permissive' } });
  m.team('b').service('three', { port: 80, versions: { v1: { image: 'i' } }, security: { mtls: 'permissive' } });
  m.team('empty');
  return m;
}

const where = (ms: { metadata: { namespace?: string; name: string } }[]) => ms.map((x) => `${x.metadata.namespace}/${x.metadata.name}`);

describe('istio defaults scope (PeerAuthentication and Telemetry)', () => {
  it('defaults to the namespaces Weft deploys to: nothing in istio-system, every namespace with services gets the mesh defaults', () => {
    const { manifests, diagnostics } = emit(shop());
    expect(diagnostics).toEqual([]);
    const pa = ofKind(manifests, 'PeerAuthentication');
    const tel = ofKind(manifests, 'Telemetry');
    expectValid([...pa, ...tel]);
    expect(manifests.filter((x) => x.kind === 'PeerAuthentication' || x.kind === 'Telemetry').some((x) => x.metadata.namespace === 'istio-system')).toBe(false);
    // Namespace `a` holds the mesh's STRICT (not left to a cluster-wide policy Weft does not own);
    // namespace `b`, whose only service is permissive, is PERMISSIVE; no object for the empty team.
    expect(pa.map((x) => [x.metadata.namespace, x.metadata.name, (x as any).spec.mtls.mode, (x as any).spec.selector?.matchLabels.app])).toEqual([
      ['a', 'default', 'STRICT', undefined],
      ['a', 'two', 'PERMISSIVE', 'two'],
      ['b', 'default', 'PERMISSIVE', undefined],
    ]);
    expect(where(tel)).toEqual(['a/mesh-default', 'b/mesh-default']);
    expect(find(manifests, 'Telemetry', 'mesh-default', 'b').spec).toEqual({
      tracing: [{ randomSamplingPercentage: 10 }],
      accessLogging: [{ providers: [{ name: 'envoy' }] }],
      metrics: [{ providers: [{ name: 'prometheus' }] }],
    });
    expect(find(manifests, 'Telemetry', 'mesh-default', 'b').spec.selector).toBeUndefined();
  });

  it('mesh-wide (mesh setting or per environment) writes one of each in the root namespace', () => {
    for (const [mesh, env] of [[shop(), 'shared'], [shop({ defaultsScope: 'mesh-wide' }), 'prod']] as const) {
      const { manifests, diagnostics } = emit(mesh, env);
      expect(diagnostics).toEqual([]);
      expect(where(ofKind(manifests, 'PeerAuthentication'))).toEqual(['istio-system/default', 'a/two', 'b/default']);
      expect(where(ofKind(manifests, 'Telemetry'))).toEqual(['istio-system/mesh-default']);
    }
  });

  it('an environment can narrow a mesh-wide mesh back to its namespaces', () => {
    const m = shop({ defaultsScope: 'mesh-wide', environments: { prod: { mesh: 'istio', defaultsScope: 'namespaces' } } });
    const { manifests } = emit(m, 'prod');
    expect(where(ofKind(manifests, 'Telemetry'))).toEqual(['a/mesh-default', 'b/mesh-default']);
  });

  it('namespace scope writes a mesh mode of disable per namespace, and the DestinationRules agree with it (no WEFT603)', () => {
    const m = new Mesh('m', { environments: { prod: { mesh: 'istio' } }, security: { mtls: 'disable', authorization: 'allow-all' } });
    m.team('a').service('one', { port: 80, versions: { v1: { image: 'i' } } });
    const { manifests, diagnostics } = emit(m);
    expect(diagnostics).toEqual([]);
    expect(find(manifests, 'PeerAuthentication', 'default', 'a').spec.mtls.mode).toBe('DISABLE');
    expect(find(manifests, 'DestinationRule', 'one', 'a').spec.trafficPolicy.tls).toEqual({ mode: 'DISABLE' });
  });

  it('WEFT635: a team in istio-system under namespace scope would make the namespace defaults mesh-wide', () => {
    const m = new Mesh('m', { environments: { prod: { mesh: 'istio' }, wide: { mesh: 'istio', defaultsScope: 'mesh-wide' } } });
    const ops = m.team('ops', { namespace: 'istio-system' });
    ops.service('tools', { port: 80, versions: { v1: { image: 'i' } } });
    const prod = emit(m, 'prod');
    expect(prod.diagnostics.map((d) => [d.code, d.severity, d.location?.line])).toEqual([['WEFT635', 'warning', expect.any(Number)]]);
    expect(prod.diagnostics[0]!.message).toContain('apply to every namespace of the cluster');
    // Said explicitly: nothing to warn about.
    expect(emit(m, 'wide').diagnostics).toEqual([]);
  });

  it('refuses an unknown scope with WEFT001', () => {
    const { diagnostics } = new Mesh('m', { environments: { prod: { mesh: 'istio' } }, defaultsScope: 'cluster' as never }).toModel();
    expect(diagnostics.map((d) => [d.code, d.message])).toEqual([['WEFT001', expect.stringContaining('defaultsScope')]]);
  });
});
