import { describe, expect, it } from 'vitest';
import { ISTIO_DIALECT, promqlString } from '../../../src/targets/observability/dialect';
import type { Service } from '../../../src/model/service';

/**
 * Label values inside PromQL double-quoted strings: a backslash and a double quote are escaped,
 * anything else is written as it is (the fast path skips the replaces).
 * @see https://prometheus.io/docs/prometheus/latest/querying/basics/#string-literals
 */
describe('promqlString', () => {
  it('escapes backslash and double quote, in that order, and leaves other values alone', () => {
    expect(promqlString('svc-1')).toBe('svc-1');
    expect(promqlString('')).toBe('');
    expect(promqlString('a"b')).toBe('a\\"b');
    expect(promqlString('a\\b')).toBe('a\\\\b');
    // The backslash of an escaped quote is not escaped again.
    expect(promqlString('\\"')).toBe('\\\\\\"');
    expect(promqlString('ü\'`{}')).toBe('ü\'`{}');
  });

  it('selectors join the pairs and the extra matcher with commas', () => {
    const s = { namespace: 'team-"a', name: 'svc\\1' } as unknown as Service;
    expect(ISTIO_DIALECT.requests(s, '5m')).toBe('sum(rate(istio_requests_total{reporter="destination",destination_service_namespace="team-\\"a",destination_service_name="svc\\\\1"}[5m]))');
    expect(ISTIO_DIALECT.serverErrors(s, '1h')).toBe(
      'sum(rate(istio_requests_total{reporter="destination",destination_service_namespace="team-\\"a",destination_service_name="svc\\\\1",response_code=~"5.."}[1h]))',
    );
  });
});
