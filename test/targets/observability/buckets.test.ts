import { describe, expect, it } from 'vitest';
import { IstioMetrics, renderMetrics, requestLabelKey, UNKNOWN_PEER } from '../../../src/proxy/metrics';
import { DURATION_BUCKETS_MS, nearestBoundaries } from '../../../src/targets/observability/buckets';

describe('duration buckets', () => {
  it('are the buckets the Weft proxy exports (read from its /metrics exposition)', () => {
    const m = new IstioMetrics();
    m.record(requestLabelKey('destination', UNKNOWN_PEER, UNKNOWN_PEER, { service: 's', name: 's', namespace: 'n' }), 200, '', 3, 0, 0);
    const text = renderMetrics([m.snapshot()]);
    const le = [...text.matchAll(/^istio_request_duration_milliseconds_bucket\{.*le="([^"]+)"\}/gm)].map((x) => x[1]);
    expect(le).toEqual([...DURATION_BUCKETS_MS.map(String), '+Inf']);
  });

  it('name the nearest boundaries of a threshold between them', () => {
    expect(nearestBoundaries(300)).toEqual({ below: 250, above: 500 });
    expect(nearestBoundaries(0.2)).toEqual({ below: undefined, above: 0.5 });
    expect(nearestBoundaries(4_000_000)).toEqual({ below: 3_600_000, above: undefined });
  });
});
