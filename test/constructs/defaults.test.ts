import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/constructs/props/defaults';
import { circuitBreakerPropsSchema, faultPropsSchema, rateLimitPropsSchema, retriesPropsSchema } from '../../src/constructs/props/resilience';
import { routePropsSchema } from '../../src/constructs/props/route';
import { toMillis } from '../../src/model/duration';
import { Mesh } from '../../src/index';

const DOC = readFileSync(new URL('../../docs/constructs.md', import.meta.url), 'utf8');

/** The docs' row of a prop: `| \`name\` | … |`. */
function docRow(prop: string): string {
  const row = DOC.split('\n').find((l) => l.startsWith(`| \`${prop}\` |`));
  expect(row, `docs/constructs.md has no row for \`${prop}\``).toBeDefined();
  return row!;
}

/** A value as docs/constructs.md writes a default: `2`, `10s`, `['5xx','reset']`. */
function docText(value: unknown): string {
  return Array.isArray(value) ? `[${value.map((v) => `'${v}'`).join(',')}]` : String(value);
}

describe('construct defaults are written once (src/constructs/props/defaults.ts)', () => {
  it('docs/constructs.md states every default with the same value', () => {
    for (const [prop, fields] of Object.entries(DEFAULTS))
      for (const [field, value] of Object.entries(fields)) expect(docRow(prop), `${prop}.${field}`).toContain(`${field} = ${docText(value)}`);
  });

  it('the schemas apply them', () => {
    const ms = (d: string) => toMillis(d as never);
    const retries = retriesPropsSchema.parse({});
    expect(retries.attempts).toBe(DEFAULTS.retries.attempts);
    expect(retries.on).toEqual(DEFAULTS.retries.on);
    const breaker = circuitBreakerPropsSchema.parse({});
    expect(breaker.intervalMs).toBe(ms(DEFAULTS.circuitBreaker.interval));
    expect(breaker.baseEjectionMs).toBe(ms(DEFAULTS.circuitBreaker.baseEjection));
    expect(breaker.maxEjectionPercent).toBe(DEFAULTS.circuitBreaker.maxEjectionPercent);
    expect(rateLimitPropsSchema.parse({ requests: 5 }).perMs).toBe(ms(DEFAULTS.rateLimit.per));
    const fault = faultPropsSchema.parse({ delay: { fixed: '1s' }, abort: { status: 503 } });
    expect([fault.delay?.percent, fault.abort?.percent]).toEqual([DEFAULTS.fault.percent, DEFAULTS.fault.percent]);
    const redirect = routePropsSchema.parse({ redirect: { uri: '/x' } });
    expect(redirect.redirect?.status).toBe(DEFAULTS.redirect.status);
    const svc = new Mesh('m', { environments: { dev: { mesh: 'istio' } } }).team('t').service('s', { port: 80, versions: { v1: { image: 'x/s:1' } } });
    expect(routePropsSchema.parse({ to: svc, mirror: { to: svc } }).mirror?.percent).toBe(DEFAULTS.mirror.percent);
  });
});
