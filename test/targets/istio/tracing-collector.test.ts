import { describe, expect, it } from 'vitest';
import { Mesh } from '../../../src/index';
import { emit, expectValid, find } from './helpers';

type Tracing = { samplingPercent: number; provider?: string; otlpEndpoint?: string; collector?: string };

function mesh(tracing: Tracing | undefined, clusterDomain?: string): Mesh {
  const m = new Mesh('shop', { environments: { prod: { mesh: 'istio' } }, observability: tracing ? { tracing } : {}, ...(clusterDomain ? { clusterDomain } : {}) });
  const t = m.team('shop');
  const data = t.service('data', { port: 8080, versions: { v1: { image: 'i' } } });
  t.service('app', { port: 8080, versions: { v1: { image: 'i' } }, calls: [data] });
  return m;
}

function egress(m: Mesh, ns = 'shop'): string[] {
  const { manifests, diagnostics } = emit(m);
  expect(diagnostics).toEqual([]);
  const sidecar = find(manifests, 'Sidecar', 'default', ns);
  expectValid([sidecar]);
  return sidecar.spec.egress[0].hosts;
}

describe('istio Sidecar egress reaches the tracing collector', () => {
  it('a declared collector `<name>.<namespace>` is written as that Service in its namespace (not istio-system/*)', () => {
    expect(egress(mesh({ samplingPercent: 10, provider: 'otel', collector: 'otel-collector.observability' }))).toEqual([
      'shop/data.shop.svc.cluster.local',
      'observability/otel-collector.observability.svc.cluster.local',
    ]);
  });

  it('the collector defaults to the host of otlpEndpoint', () => {
    const hosts = egress(mesh({ samplingPercent: 10, otlpEndpoint: 'http://otel-collector.observability:4318/v1/traces' }));
    expect(hosts).toContain('observability/otel-collector.observability.svc.cluster.local');
    expect(hosts).not.toContain('istio-system/*');
  });

  it('a full Service name keeps its namespace and the cluster domain', () => {
    expect(egress(mesh({ samplingPercent: 1, collector: 'jaeger-collector.tracing.svc.corp.local' }, 'corp.local'))).toContain('tracing/jaeger-collector.tracing.svc.corp.local');
  });

  it('a host outside the cluster is reachable through a ServiceEntry of any namespace', () => {
    expect(egress(mesh({ samplingPercent: 1, collector: 'traces.vendor.example.com' }))).toContain('*/traces.vendor.example.com');
  });

  it('without a declared collector, istio-system (where Istio\'s tracing addons run)', () => {
    expect(egress(mesh({ samplingPercent: 1 }))).toContain('istio-system/*');
  });

  it('no tracing, no collector', () => {
    expect(egress(mesh(undefined))).toEqual(['shop/data.shop.svc.cluster.local']);
  });

  it('a namespace whose services trace on their own (no mesh tracing) reaches the collector too; one that does not trace does not', () => {
    const m = new Mesh('shop', { environments: { prod: { mesh: 'istio' } } });
    m.team('a').service('traced', { port: 80, versions: { v1: { image: 'i' } }, observability: { tracingSamplingPercent: 50 } });
    m.team('b').service('quiet', { port: 80, versions: { v1: { image: 'i' } } });
    expect(egress(m, 'a')).toEqual(['istio-system/*']);
    expect(egress(m, 'b')).toEqual(['~/*']);
  });

  it('a collector without its namespace is a WEFT001 at the mesh', () => {
    const { diagnostics } = new Mesh('m', { environments: { prod: { mesh: 'istio' } }, observability: { tracing: { samplingPercent: 1, collector: 'otel-collector' } } }).toModel();
    expect(diagnostics.map((d) => [d.code, d.message])).toEqual([['WEFT001', expect.stringContaining('must be a host with its namespace')]]);
  });
});
