/**
 * Services that only an ingress gateway reaches: their service-level checks — load balancer
 * (consistent hash, round robin), connection pool and outlier detection, the service rate limit —
 * and retry-on connect-failure are driven through the gateway, whose own upstream cluster carries
 * the service's DestinationRule (src/verify/plan/derive.ts, planServiceLevel). Each passes on the
 * compiled dist/ and fails when the compiled gateway (or the receiving instances) drop the feature.
 * Then the same through the verification overlay run on loopback (`--target` at the declared
 * gateway's URL). Mesh: ./fixtures/gateway-only.config.ts.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlan, verify } from '../../src/verify/verify';
import gatewayOnly from './fixtures/gateway-only.config';
import { checkStatuses, devNull, useLocalFixture, useOverlayFixture } from './fixtures/local-fixture';

const CONFIG = join(__dirname, 'fixtures/gateway-only.config.ts');
const GATEWAY = 'dev/weft/istio-system/edge-gateway.json';
const ids = {
  shopHash: 'load-balancer:gwo/web/shop',
  shopPool: 'circuit-breaker:gwo/web/shop:pool',
  shopOutlier: 'circuit-breaker:gwo/web/shop:outlier',
  shopConnect: 'retries:gwo/web/shop:default:connect-failure',
  cartRoundRobin: 'load-balancer:gwo/web/cart',
  cartLimit: 'rate-limit:gwo/web/cart',
};
const only = (...list: string[]) => `/^(${list.join('|')})$/`;
type Report = NonNullable<Awaited<ReturnType<typeof verify>>['report']>;
const failed = (report: Report, id: string) =>
  report.checks
    .find((c) => c.id === id)!
    .assertions.filter((a) => a.status === 'failed')
    .map((a) => `${a.name}: ${a.observed}`);
type Json = Record<string, any>;
const cluster = (config: Json, name: string): Json => config.services.find((s: Json) => s.name === name);

describe('the plan: service-level checks of gateway-only services go through the gateway', () => {
  it('plans them through the gateway with the gateway as caller, and lists none as not verified', async () => {
    const { plan } = await loadPlan({ configPath: CONFIG }, true);
    const byId = new Map(plan!.checks.map((c) => [c.id, c]));
    for (const id of Object.values(ids)) expect(byId.get(id)?.via, id).toEqual({ caller: { namespace: 'istio-system', name: 'edge' }, authority: 'edge.gw.test', gateway: true, scheme: 'http' });
    expect(byId.get(ids.cartLimit)!.spec).toMatchObject({ type: 'rate-limit', scope: 'service', buckets: 2 });
    expect((byId.get(ids.cartLimit)!.spec as { direct?: boolean }).direct).toBeUndefined();
    expect(byId.get(ids.shopHash)!.expectation).toMatch(/through gateway edge \(edge\.gw\.test\)$/);
    // the gateway's lane holds shop's breaker: it runs in strict order
    expect(plan!.checks.filter((c) => c.lane === 'gateway/istio-system/edge').every((c) => c.isolated)).toBe(true);
    expect(plan!.notVerified).toEqual([]);
  });

  it('the example: golang-app-gateway\'s consistent hash is planned through gateway "public", no longer WEFT802', async () => {
    const { plan } = await loadPlan({ configPath: join(__dirname, '../../mesh.config.ts') }, true);
    const check = plan!.checks.find((c) => c.id === 'load-balancer:shop/storefront/golang-app-gateway')!;
    expect(check.via).toMatchObject({ gateway: true, authority: 'shop.example.com', scheme: 'https' });
    expect(check.spec).toMatchObject({ type: 'load-balancer', policy: 'consistent-hash', hashCookie: 'shop-session', instances: 2 });
    expect(plan!.notVerified.filter((n) => /golang-app-gateway/.test(n.reason) && n.kind !== 'route')).toEqual([]);
  });

  it('cluster mode: the pool and round robin through the gateway are listed with the reason; the hash and the rate limit stay', async () => {
    const { plan } = await loadPlan({ configPath: CONFIG, gatewayScheme: 'http' }, false);
    const { planForTarget } = await import('../../src/verify/plan/target');
    const target = planForTarget(plan!, new Set(), 'weft', 'http');
    const kept = target.checks.map((c) => c.id);
    expect(kept).toEqual(expect.arrayContaining([ids.shopHash, ids.cartLimit]));
    for (const id of [ids.shopPool, ids.cartRoundRobin, ids.shopOutlier, ids.shopConnect]) expect(kept).not.toContain(id);
    expect(target.notVerified.map((n) => n.reason)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^circuit-breaker:gwo\/web\/shop:pool: through the cluster's ingress gateway: each gateway replica keeps its own connection pool/),
        expect.stringMatching(/^load-balancer:gwo\/web\/cart: through the cluster's ingress gateway: each gateway replica keeps its own round-robin state/),
      ]),
    );
  });
});

describe('weft verify --local: service-level checks through the gateway', () => {
  const fixture = useLocalFixture(CONFIG, 'weft-verify-gwo-');
  const run = async (list: string[], seed = 1) => (await verify({ configPath: CONFIG, distDir: fixture.dist, mesh: fixture.mesh, seed, only: only(...list), out: devNull })).report!;

  it('passes on the compiled dist/', async () => {
    const report = await run(Object.values(ids));
    expect(checkStatuses(report)).toEqual(Object.values(ids).map((id) => `${id}: passed`).sort());
  }, 240_000);

  it('fails the consistent hash when the compiled gateway balances shop round robin', async () => {
    await fixture.withEditedConfig(GATEWAY, (c) => (cluster(c, 'shop').loadBalancer = { type: 'round-robin' }), async () => {
      expect(failed(await run([ids.shopHash]), ids.shopHash)).toEqual([expect.stringMatching(/^same key, same instance: /)]);
    });
  }, 180_000);

  it('fails the pool check when the compiled gateway drops shop\'s connection pool', async () => {
    await fixture.withEditedConfig(GATEWAY, (c) => delete cluster(c, 'shop').connectionPool, async () => {
      expect(failed(await run([ids.shopPool]), ids.shopPool)).toEqual([expect.stringMatching(/^pool limit trips \(503 UO\): /)]);
    });
  }, 180_000);

  it('fails retry-on connect-failure when the compiled gateway route to shop drops its retries (the refusing twin copies the gateway)', async () => {
    await fixture.withEditedConfig(GATEWAY, (c) => c.routes.forEach((r: Json) => delete r.retries), async () => {
      expect(failed(await run([ids.shopConnect]), ids.shopConnect)).toEqual([expect.stringMatching(/^retry-on connect-failure: a refused connection is retried/), expect.stringMatching(/^retry-on connect-failure: 2 retries, then 503 UF \(URX\)/)]);
    });
  }, 180_000);

  it('fails the service rate limit when cart\'s instances drop it', async () => {
    await fixture.withEditedConfig('dev/weft/web/cart-v1.json', (c) => delete c.listeners.inbound.rateLimit, async () => {
      expect(failed(await run([ids.cartLimit]), ids.cartLimit)[0]).toMatch(/^ceiling \(burst\): /);
    });
  }, 180_000);
});

describe('weft verify --target at the declared gateway: service-level checks through it (the overlay run on loopback)', () => {
  const overlay = useOverlayFixture(gatewayOnly.toModel().model!, 'weft-overlay-gwo-');
  const target = () => overlay.mesh.gatewayUrl('edge-gateway')!;
  const run = async (list: string[], seed = 2) => verify({ configPath: CONFIG, distDir: overlay.dist, seed, target: target(), only: only(...list), out: devNull });

  it('passes the consistent hash and the rate limit through the cluster\'s gateway', async () => {
    const out = await run([ids.shopHash, ids.cartLimit]);
    expect(out.report!.mode).toBe('target');
    expect(checkStatuses(out.report!)).toEqual([`${ids.shopHash}: passed`, `${ids.cartLimit}: passed`].sort());
  }, 240_000);

  it('fails the consistent hash when the cluster\'s gateway balances shop round robin', async () => {
    await overlay.withEditedConfig(`verify/${GATEWAY}`, (c) => (cluster(c, 'shop').loadBalancer = { type: 'round-robin' }), async () => {
      const out = await run([ids.shopHash]);
      expect(out.exitCode).toBe(1);
      expect(failed(out.report!, ids.shopHash)).toEqual([expect.stringMatching(/^same key, same instance: /)]);
    });
  }, 180_000);
});
