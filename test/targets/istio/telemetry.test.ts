import { describe, expect, it } from 'vitest';
import { Mesh } from '../../../src/index';
import { emit, expectGolden, expectValid, find, ofKind } from './helpers';

describe('istio telemetry', () => {
  it('mesh-wide tracing sampling, access logs and metrics; per-service overrides', () => {
    const m = new Mesh('m', {
      environments: { prod: { mesh: 'istio', observability: { tracing: { samplingPercent: 5, provider: 'otel' } } } },
      observability: { tracing: { samplingPercent: 10 }, accessLogs: true },
      defaultsScope: 'mesh-wide',
    });
    const t = m.team('a');
    t.service('quiet', { port: 80, versions: { v1: { image: 'i' } }, observability: { accessLogs: false, metrics: false, tracingSamplingPercent: 100 } });
    t.service('normal', { port: 80, versions: { v1: { image: 'i' } } });
    const { manifests, diagnostics } = emit(m);
    expect(diagnostics).toEqual([]);
    const tel = ofKind(manifests, 'Telemetry');
    expectValid(tel);
    expectGolden('telemetry', tel);
    expect(find(manifests, 'Telemetry', 'mesh-default', 'istio-system').spec).toEqual({
      tracing: [{ providers: [{ name: 'otel' }], randomSamplingPercentage: 5 }],
      accessLogging: [{ providers: [{ name: 'envoy' }] }],
      metrics: [{ providers: [{ name: 'prometheus' }] }],
    });
    expect(find(manifests, 'Telemetry', 'quiet', 'a').spec).toEqual({
      selector: { matchLabels: { app: 'quiet' } },
      tracing: [{ providers: [{ name: 'otel' }], randomSamplingPercentage: 100 }],
      accessLogging: [{ disabled: true }],
      metrics: [{ providers: [{ name: 'prometheus' }], overrides: [{ match: { metric: 'ALL_METRICS' }, disabled: true }] }],
    });
    expect(tel.some((x) => x.metadata.name === 'normal')).toBe(false);
  });
});
