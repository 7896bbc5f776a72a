import { describe, expect, it } from 'vitest';
import { modelForEnvironment } from '../../src/model/query';
import { derivePlan, repeatsToDistinguish } from '../../src/verify/plan/derive';
import { regexExample } from '../../src/verify/plan/regex-example';
import { clauseRequests } from '../../src/verify/plan/requests';
import { confusable, expectedOutcome } from '../../src/verify/plan/route-eval';
import { binomialPower } from '../../src/verify/stats/binomial';
import { Mesh } from '../../src/index';
import { fixtureMesh } from './fixtures/mesh';

function plan() {
  const model = fixtureMesh().toModel().model!;
  return { model: modelForEnvironment(model, model.environments[0]!), plan: derivePlan(modelForEnvironment(model, model.environments[0]!), 'dev') };
}

describe('regex examples', () => {
  it.each([
    ['^/v[0-9]+/orders.*', '/v0/orders'],
    ['/api/(users|teams)/\\d{3}', '/api/users/000'],
    ['ab?c*d+', 'ad'],
  ])('%s', (re, prefix) => {
    const ex = regexExample(re, 'x');
    expect(ex).toBeDefined();
    expect(ex!.startsWith(prefix)).toBe(true);
  });
  it('gives up instead of guessing on lookarounds it cannot satisfy', () => {
    expect(regexExample('(?=a)b')).toBeUndefined();
  });
});

describe('probe requests of a clause', () => {
  it('builds the positive request and one near miss per condition', () => {
    const r = clauseRequests({ path: { prefix: '/orders' }, methods: ['GET', 'POST'], headers: { 'end-user': { exact: 'jason' } }, query: { v: { exact: 'next' } } });
    expect(r.positive).toEqual({ method: 'GET', path: '/orders/weft-probe?v=next', headers: { 'end-user': 'jason' } });
    expect(r.nearMisses.map((m) => m.name)).toEqual(['near miss: path', 'near miss: method PUT', 'near miss: header end-user', 'near miss: header end-user absent', 'near miss: query v']);
    expect(r.nearMisses[0]!.request.path.startsWith('/orders')).toBe(false);
  });
});

describe('the plan is derived from the model', () => {
  const { model, plan: p } = plan();
  const ids = p.checks.map((c) => c.id);

  it('has a routing check per route, splits, retries, timeouts, faults, mirror and balancing', () => {
    for (const id of ['route:fx/t/backend/route:beta', 'redirect:fx/t/backend/route:old', 'direct-response:fx/t/backend/route:health', 'route:fx/t/backend/route:api', 'split:fx/t/backend/route:api', 'mirror:fx/t/backend/route:api', 'fault:fx/t/backend/route:chaos', 'retries:fx/t/backend/route:beta', 'timeout:fx/t/backend/route:api', 'route:fx/t/shadow:default']) {
      expect(ids).toContain(id);
    }
  });

  it('plans each proportion test for power ≥ 0.99 at α/m against a 5-point deviation', () => {
    expect(p.statisticalTests).toBe(3); // split 70/30 (one test), mirror 50 %, abort 20 %
    const split = p.checks.find((c) => c.id === 'split:fx/t/backend/route:api')!;
    const level = p.familyAlpha / p.statisticalTests;
    expect(binomialPower(split.probes, 0.7, 0.65, level)).toBeGreaterThanOrEqual(0.99);
    expect(binomialPower(split.probes, 0.7, 0.75, level)).toBeGreaterThanOrEqual(0.99);
    expect(split.declaration.file).toMatch(/fixtures\/mesh\.ts$/);
  });

  it('repeats a positive probe until the fall-through route would be told apart', () => {
    const beta = p.checks.find((c) => c.id === 'route:fx/t/backend/route:beta')!;
    const spec = beta.spec as Extract<typeof beta.spec, { type: 'routing' }>;
    // without the route, the request would reach the default (any version, including v2): never confusable by version
    expect(spec.probes[0]!.name).toBe('positive');
    expect(spec.probes.map((x) => x.name)).toContain('near miss: query debug');
    expect(repeatsToDistinguish(0.8)).toBe(31);
    expect(repeatsToDistinguish(0)).toBe(1);
  });

  it('the route oracle follows first-match-wins and computes the rewrite', () => {
    const backend = model.services.find((s) => s.name === 'backend')!;
    const front = { name: 'front', namespace: 't' };
    const api = expectedOutcome(backend, { method: 'GET', path: '/api/v2/x', headers: {} }, front);
    expect(api).toMatchObject({ kind: 'forward', route: 'backend.t/api', rewrittenPath: '/internal', destinations: [{ version: 'v1', weight: 70 }, { version: 'v2', weight: 30 }] });
    const dflt = expectedOutcome(backend, { method: 'GET', path: '/nothing', headers: {} }, front);
    expect(dflt).toMatchObject({ route: 'backend.t/(default)' });
    expect(confusable(api, dflt)).toBe(0); // the rewrite and headers tell them apart
  });

  it('plans retry-on connect-failure with refused connections instead of listing it as not verified', () => {
    const check = p.checks.find((c) => c.id === 'retries:fx/t/backend/route:beta:connect-failure')!;
    expect(check.spec).toEqual({ type: 'connect-failure', request: expect.objectContaining({ method: 'GET' }), service: { name: 'backend', namespace: 't' }, attempts: 2, probes: 16 });
    expect(check.probes).toBe(18);
    // the class still appears in the status retries check's expectation, and nowhere as not verified
    expect(p.notVerified.filter((n) => n.kind === 'retries' && n.reason.includes('connect-failure'))).toEqual([]);
  });

  it('lists what it cannot verify, with the reason', () => {
    const reasons = p.notVerified.map((n) => `${n.kind}: ${n.reason}`);
    expect(reasons).toEqual(['load-balancer: load balancer "round-robin" of "backend": the probe route reaches a split, not one subset in this environment, so balance and stickiness are not observable']);
  });

  it('names why a retry-on class is not verified: gRPC classes need gRPC probes, the echo cannot refuse a stream', () => {
    const mesh = new Mesh('rc', { environments: { dev: { mesh: 'weft' } } });
    const team = mesh.team('t', { namespace: 't' });
    const api = team.service('api', { port: 8080, versions: { v1: { image: 'e/a:1' } }, resilience: { retries: { attempts: 2, on: ['5xx', 'refused-stream', 'unavailable'] } } });
    team.service('web', { port: 8080, versions: { v1: { image: 'e/w:1' } }, calls: [api] });
    const model = mesh.toModel().model!;
    const reasons = derivePlan(modelForEnvironment(model, model.environments[0]!), 'dev').notVerified.filter((n) => n.kind === 'retries').map((n) => n.reason);
    expect(reasons).toEqual([expect.stringMatching(/^retry-on "refused-stream" of .*: the echo cannot make this failure happen \(not done\)$/), expect.stringMatching(/^retry-on "unavailable" of .*: needs gRPC probes \(not done\)$/)]);
  });

  it('plans mTLS, the authorization matrix from the model, and the JWT cases', () => {
    expect(ids).toContain('mtls:fx/t/backend');
    // allow-all mesh and no rule on backend: nothing to deny, no matrix
    expect(ids).not.toContain('authorization:fx/t/backend');
    const front = p.checks.find((c) => c.id === 'authorization:fx/t/front')!;
    const frontCells = (front.spec as Extract<typeof front.spec, { type: 'authorization' }>).cells;
    // front's allow rule (namespace t) makes it allow-listed: every identity here is in namespace t
    expect(frontCells.filter((c) => !c.request.path.startsWith('/admin')).every((c) => c.allowed && c.because.includes('allow rule "x"'))).toBe(true);
    // DENY before ALLOW: /admin* is denied to every identity although "x" allows them
    expect(frontCells.filter((c) => c.request.path.startsWith('/admin')).every((c) => !c.allowed && c.because === 'deny rule "no-admin"')).toBe(true);
    // STRICT mTLS: no plaintext (identity-less) cell
    expect(frontCells.some((c) => c.caller === undefined)).toBe(false);
    expect(ids.filter((id) => id.startsWith('jwt'))).toEqual(['jwt:fx/t/limited/jwt:idp']);
  });

  it('is deterministic', () => {
    expect(JSON.stringify(plan().plan)).toBe(JSON.stringify(p));
  });
});
