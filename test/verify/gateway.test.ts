/**
 * Gateway routes in `weft verify --local`: the plan probes every route of every gateway through
 * the local gateway on its own scheme (https with the local CA, SNI and Host), the https
 * redirect on the plain server, and the routes of services that only a gateway reaches — with
 * the gateway as caller. Each check passes on the compiled dist/ and fails on a copy whose
 * compiled gateway config was edited (served to the running mesh by hot reload).
 * Mesh: test/local/fixtures/gateway.config.ts; the example's plan is checked without a mesh.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileModel } from '../../src/synth/compile';
import { loadMeshConfig } from '../../src/synth/load';
import { loadPlan, verify } from '../../src/verify/verify';
import { checkStatuses, devNull, useLocalFixture } from './fixtures/local-fixture';

const CONFIG = join(__dirname, '../local/fixtures/gateway.config.ts');
const SHOP = 'dev/weft/istio-system/shop-gateway.json';
const PARTNERS = 'dev/weft/istio-system/partners-gateway.json';
const ids = {
  shopApi: 'route:edge/shop/route:api',
  shopSite: 'route:edge/shop/route:site',
  redirect: 'redirect:edge/shop:https-redirect',
  shopHosts: 'route:edge/shop:hosts',
  partnersHosts: 'route:edge/partners:hosts',
  partnersMtls: 'mtls:edge/partners:client-certificate',
  partners: 'route:edge/partners/route:all',
  apiBeta: 'route:edge/web/api/route:beta',
  apiMain: 'route:edge/web/api/route:main',
  siteDefault: 'route:edge/web/site:default',
};
const fixture = useLocalFixture(CONFIG, 'weft-verify-gw-');

const run = async (only: string, seed = 1) => (await verify({ configPath: CONFIG, distDir: fixture.dist, mesh: fixture.mesh, seed, only, out: devNull })).report!;
const failed = (report: Awaited<ReturnType<typeof run>>, id: string) =>
  report.checks
    .find((c) => c.id === id)!
    .assertions.filter((a) => a.status === 'failed')
    .map((a) => `${a.name}: ${a.observed}`);
const GATEWAY_CHECKS = `/^(${Object.values(ids).join('|')})$/`;

describe('gateway routes in weft verify --local', () => {
  it('plans every gateway route, the redirect and the gateway-only services, and leaves none of them unverified', async () => {
    const { plan } = await loadPlan({ configPath: CONFIG }, true);
    const gatewayChecks = plan!.checks.filter((c) => c.via.gateway);
    expect(gatewayChecks.map((c) => c.id).sort()).toEqual(Object.values(ids).sort());
    expect(plan!.checks.find((c) => c.id === ids.shopApi)!.via).toEqual({ caller: { namespace: 'istio-system', name: 'shop' }, authority: 'shop.gw.test', gateway: true, scheme: 'https' });
    expect(plan!.checks.find((c) => c.id === ids.redirect)!.via.scheme).toBe('http');
    expect(plan!.notVerified).toEqual([]);
  });

  it('cluster mode (https target): a MUTUAL gateway is listed as not verified, never probed without a certificate', async () => {
    const { plan } = await loadPlan({ configPath: CONFIG, gatewayScheme: 'https' }, false);
    expect(plan!.checks.filter((c) => c.via.gateway).map((c) => c.id)).not.toContain(ids.partners);
    expect(plan!.checks.map((c) => c.id)).toContain(ids.shopApi);
    expect(plan!.notVerified.map((n) => n.reason)).toContainEqual(expect.stringMatching(/^gateway "partners" is MUTUAL: the verifier has no client certificate the cluster's CA trusts/));
  });

  it('the example: gateway "public" and the routes only it reaches are planned; old-profile stays WEFT802 with the reason', async () => {
    const { plan } = await loadPlan({ configPath: join(__dirname, '../../mesh.config.ts') }, true);
    const ids = plan!.checks.filter((c) => c.via.gateway).map((c) => c.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'route:shop/public/route:users',
        'route:shop/public/route:storefront',
        'redirect:shop/public:https-redirect',
        'route:shop/storefront/golang-app-gateway/route:captcha',
        'route:shop/storefront/golang-app-gateway/route:default',
        'route:shop/commerce/user-service/route:default',
      ]),
    );
    const routes = plan!.notVerified.filter((n) => n.kind === 'route');
    expect(routes.map((n) => `${n.declaration.line}: ${n.reason}`)).toEqual([
      expect.stringMatching(/^241: route "old-profile" of "user-service" matches only requests from "golang-app-gateway", which declares no call to "user-service"; .*no caller can ever reach this route$/),
    ]);
    expect(plan!.notVerified.some((n) => /runs no ingress gateway/.test(n.reason))).toBe(false);
  });

  it('passes on the compiled dist/', async () => {
    const report = await run(GATEWAY_CHECKS);
    expect(checkStatuses(report)).toEqual(Object.values(ids).map((id) => `${id}: passed`).sort());
  }, 120_000);

  it('fails the gateway route when the compiled gateway drops its /api routes', async () => {
    await fixture.withEditedConfig(
      SHOP,
      (config) => (config.routes = config.routes.filter((r: { match: { path?: { prefix?: string } } }) => r.match.path?.prefix !== '/api')),
      async () => {
        const report = await run(`/^(${ids.shopApi}|${ids.apiBeta})$/`);
        expect(failed(report, ids.shopApi)).toEqual([expect.stringMatching(/^positive: .*answered by service site, expected api/)]);
        expect(failed(report, ids.apiBeta)[0]).toMatch(/answered by service site, expected api/);
      },
    );
  }, 120_000);

  it('fails the service route behind the gateway when the merged route goes to another version', async () => {
    await fixture.withEditedConfig(
      SHOP,
      (config) => {
        const beta = config.routes.find((r: { name: string }) => r.name.endsWith('+api.web/beta'));
        beta.action.destinations[0].subset = 'v1';
      },
      async () => {
        const report = await run(`/^${ids.apiBeta}$/`);
        expect(failed(report, ids.apiBeta)).toEqual([expect.stringMatching(/^positive: .*answered by version v1, expected v2/)]);
      },
    );
  }, 120_000);

  it('fails the MUTUAL gateway\'s route when its destination is swapped', async () => {
    await fixture.withEditedConfig(
      PARTNERS,
      (config) => (config.routes[0].action.destinations[0].subset = 'v1'),
      async () => {
        const report = await run(`/^${ids.partners}$/`);
        expect(failed(report, ids.partners)).toEqual([expect.stringMatching(/answered by version v1, expected v2/)]);
      },
    );
  }, 120_000);

  it('the example, weft verify --local --dist: a copied dist/ whose gateway "public" lost its /users route fails that route and user-service\'s', async () => {
    const example = join(__dirname, '../../mesh.config.ts');
    const loaded = await loadMeshConfig(example);
    const compiled = compileModel(loaded.mesh!.toModel().model!, { environments: ['dev'], verificationOverlay: false });
    const dist = mkdtempSync(join(tmpdir(), 'weft-verify-gw-example-'));
    try {
      for (const [path, content] of compiled.files) {
        mkdirSync(dirname(join(dist, path)), { recursive: true });
        writeFileSync(join(dist, path), content);
      }
      const file = join(dist, 'dev/weft/istio-system/public-gateway.json');
      const config = JSON.parse(readFileSync(file, 'utf8'));
      config.routes = config.routes.filter((r: { match: { path?: { prefix?: string } } }) => r.match.path?.prefix !== '/users');
      writeFileSync(file, JSON.stringify(config, null, 2));
      const users = 'route:shop/public/route:users';
      const userDefault = 'route:shop/commerce/user-service/route:default';
      const outcome = await verify({ configPath: example, distDir: dist, seed: 1, only: `/^(${users}|${userDefault}|redirect:shop/public:https-redirect)$/`, out: devNull });
      expect(outcome.exitCode).toBe(1);
      expect(failed(outcome.report!, users)).toEqual([expect.stringMatching(/^positive: .*answered by service golang-app-gateway, expected user-service/)]);
      expect(failed(outcome.report!, userDefault)).toEqual([expect.stringMatching(/answered by service golang-app-gateway, expected user-service/)]);
      expect(outcome.report!.checks.find((c) => c.id === 'redirect:shop/public:https-redirect')!.status).toBe('passed');
    } finally {
      rmSync(dist, { recursive: true, force: true });
    }
  }, 240_000);

  /** `weft verify --local --dist` on a copy of the fixture's dist/ with a gateway's config edited (listeners are fixed at a proxy's start: a fresh local mesh runs it). */
  async function verifyEdited(file: string, edit: (config: any) => void, only: string[]) {
    const mutated = mkdtempSync(join(tmpdir(), 'weft-verify-gw-dist-'));
    try {
      cpSync(fixture.dist, mutated, { recursive: true });
      const config = JSON.parse(readFileSync(join(mutated, file), 'utf8'));
      edit(config);
      writeFileSync(join(mutated, file), JSON.stringify(config, null, 2));
      return await verify({ configPath: CONFIG, distDir: mutated, seed: 1, only: `/^(${only.join('|')})$/`, out: devNull });
    } finally {
      rmSync(mutated, { recursive: true, force: true });
    }
  }

  it('weft verify --local --dist: fails the redirect check on a dist/ whose http server no longer redirects', async () => {
    const outcome = await verifyEdited(SHOP, (config) => (config.listeners.gateway[1].httpsRedirect = false), [ids.redirect, ids.shopApi]);
    expect(outcome.exitCode).toBe(1);
    expect(outcome.report!.checks.find((c) => c.id === ids.shopApi)!.status).toBe('passed');
    const wrong = failed(outcome.report!, ids.redirect);
    expect(wrong).toHaveLength(3);
    expect(wrong[0]).toMatch(/status 200, expected redirect 301/);
  }, 180_000);

  it('weft verify --local --dist: fails the hosts check on a dist/ whose https server and routes answer every Host', async () => {
    // `*` added to the server's hosts and to its routes' (either alone still gives 404: the proxy checks both)
    const outcome = await verifyEdited(SHOP, (config) => {
      config.listeners.gateway[0].hosts.push('*');
      for (const r of config.routes) r.hosts.push('*');
    }, [ids.shopHosts, ids.shopApi]);
    expect(outcome.exitCode).toBe(1);
    expect(outcome.report!.checks.find((c) => c.id === ids.shopApi)!.status).toBe('passed');
    const wrong = failed(outcome.report!, ids.shopHosts);
    expect(wrong).toHaveLength(2);
    expect(wrong[0]).toMatch(/^Host weft-host-miss\.invalid: GET \/api\/weft-probe: .*status 200, expected 404; answered by api v1, expected the proxy's direct response/);
  }, 180_000);

  it('weft verify --local --dist: fails the client-certificate check on a dist/ whose MUTUAL gateway became SIMPLE', async () => {
    const outcome = await verifyEdited(PARTNERS, (config) => {
      config.listeners.gateway[0].tls.mode = 'SIMPLE';
      delete config.listeners.gateway[0].tls.files.caFile;
    }, [ids.partnersMtls, ids.partners]);
    expect(outcome.exitCode).toBe(1);
    expect(outcome.report!.checks.find((c) => c.id === ids.partners)!.status).toBe('passed');
    expect(failed(outcome.report!, ids.partnersMtls)).toEqual([expect.stringMatching(/^no client certificate: 200 /)]);
  }, 180_000);
});
