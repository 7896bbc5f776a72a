/**
 * Cluster mode (`weft verify --target URL`) and the verification overlay `dist/verify/<env>/`.
 *
 * No Kubernetes API server runs here. What runs instead is the overlay itself: the fixture's
 * `dist/verify/dev/` (synthesized like `npm run synth` does) started by the local mesh on
 * loopback — every workload an echo behind its Weft proxy, the probe client `front-weft-probe`
 * with front's identity, and the overlay's `weft-verify` ingress gateway (the weft proxy's
 * gateway listener) — with the overlay's tag and verification key. `verify --target` then goes
 * exactly the cluster's way: gateway → probe client → its sidecar → callee. What this cannot
 * show: that a real cluster schedules the manifests (they are schema-checked below instead), and
 * Istio's or Consul's gateways (their overlay objects are checked as manifests only).
 */
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { compileModel } from '../../src/synth/compile';
import { verify } from '../../src/verify/verify';
import { echoImage, overlayTag, probePrefix, VERIFY_HOST } from '../../src/verify/overlay/model';
import { VERIFICATION_JWKS } from '../../src/verify/overlay/verification-key';
import { WEFT_VERSION } from '../../src/targets/weft/constants';
import { TargetNotReadyError } from '../../src/verify/errors';
import { ForwardTransport } from '../../src/verify/drive/forward-transport';
import { Mesh } from '../../src/index';
import { derivePlan } from '../../src/verify/plan/derive';
import { planForTarget } from '../../src/verify/plan/target';
import { modelForEnvironment } from '../../src/model/query';
import { fixtureMesh } from './fixtures/mesh';
import { useOverlayFixture } from './fixtures/local-fixture';

const CONFIG = 'test/verify/fixtures/mesh.config.ts';
const model = fixtureMesh().toModel().model!;

describe('the verification overlay dist/verify/<env>/', () => {
  const compiled = compileModel(model, { environments: ['dev', 'prod'] });
  const files = compiled.files;
  const yaml = (path: string) => parse(files.get(path)!) as Record<string, any>;

  it('compiles without errors, schema-checked with the environments', () => {
    expect(compiled.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect([...files.keys()].filter((p) => p.startsWith('verify/dev/')).length).toBeGreaterThan(10);
    expect([...files.keys()].filter((p) => p.startsWith('verify/prod/istio/')).length).toBeGreaterThan(5);
  });

  it('runs the echo image in place of every workload, tagged with the overlay tag', () => {
    const tag = overlayTag(model, 'dev');
    for (const env of ['dev', 'prod']) {
      for (const s of model.services) {
        for (const v of s.versions) {
          const d = yaml(`verify/${env}/kubernetes/${s.namespace}/deployment-${s.name}-${v.name}.yaml`);
          const app = d.spec.template.spec.containers.find((c: { name: string }) => c.name !== 'weft-proxy');
          expect(app.image).toBe(echoImage(WEFT_VERSION));
          const envVars = Object.fromEntries(app.env.map((e: { name: string; value: string }) => [e.name, e.value]));
          expect(envVars).toMatchObject({ WEFT_ECHO_SERVICE: s.name, WEFT_ECHO_VERSION: v.name, WEFT_ECHO_TAG: overlayTag(model, env), PORT: '8080' });
          // the environment's own manifests keep the declared image
          expect(yaml(`${env}/kubernetes/${s.namespace}/deployment-${s.name}-${v.name}.yaml`).spec.template.spec.containers.some((c: { image: string }) => c.image === v.image)).toBe(true);
        }
      }
    }
    expect(tag).toMatch(/^[0-9a-f]{16}$/);
  });

  it('adds a probe client per calling service with the caller identity, and the gateway route to it', () => {
    const probe = yaml('verify/prod/kubernetes/t/deployment-front-weft-probe-probe.yaml');
    expect(probe.spec.template.spec.serviceAccountName).toBe(yaml('prod/kubernetes/t/deployment-front-v1.yaml').spec.template.spec.serviceAccountName);
    const vs = [...files].find(([p, c]) => p.startsWith('verify/prod/istio/') && c.includes('kind: VirtualService') && c.includes(VERIFY_HOST));
    expect(vs, 'a VirtualService bound to the weft-verify gateway').toBeDefined();
    const spec = parse(vs![1]).spec;
    expect(spec.hosts).toEqual([VERIFY_HOST]);
    expect(spec.http[0].match[0].uri.prefix).toBe(probePrefix({ namespace: 't', name: 'front' }));
    expect(spec.http[0].route[0].destination.host).toMatch(/^front-weft-probe\.t\.svc\./);
  });

  it('makes JWT rules trust the verification key, in the overlay only', () => {
    const ra = [...files].filter(([p]) => p.startsWith('verify/prod/istio/') && p.includes('requestauthentication'));
    expect(ra.length).toBeGreaterThan(0);
    for (const [, text] of ra) expect(parse(text).spec.jwtRules[0].jwks).toBe(VERIFICATION_JWKS);
    for (const [p, text] of files) if (p.startsWith('prod/istio/') && p.includes('requestauthentication')) expect(text).not.toContain('weft-verification-overlay');
  });
});

describe('the plan for a cluster', () => {
  const calls = new Set(model.services.flatMap((s) => s.calls.flatMap((c) => (c.target.kind === 'service' ? [`${s.namespace}/${s.name} → ${c.target.service.namespace}/${c.target.service.name}`] : []))));
  const planFor = (env: string) => {
    const e = model.environments.find((x) => x.name === env)!;
    return planForTarget(derivePlan(modelForEnvironment(model, e), env), calls, e.mesh);
  };

  it('lists what needs a vantage point inside the cluster as not verified, never drops it', () => {
    const local = (() => {
      const e = model.environments.find((x) => x.name === 'dev')!;
      return derivePlan(modelForEnvironment(model, e), 'dev');
    })();
    const target = planFor('dev');
    expect(target.checks.some((c) => c.kind === 'mtls')).toBe(false);
    // the mirror target's counts are read through a caller's probe client
    expect(target.checks.some((c) => c.kind === 'mirror')).toBe(true);
    // every check of the local plan is either kept or named in notVerified
    for (const c of local.checks) {
      const kept = target.checks.some((t) => t.id === c.id);
      expect(kept || target.notVerified.some((n) => n.reason.startsWith(`${c.id}:`)), c.id).toBe(true);
    }
    const authz = target.checks.find((c) => c.spec.type === 'authorization');
    if (authz?.spec.type === 'authorization') for (const cell of authz.spec.cells) expect(calls.has(`${cell.caller!.namespace}/${cell.caller!.name} → ${authz.spec.service.namespace}/${authz.spec.service.name}`)).toBe(true);
  });

  it('on istio, keeps what only response flags show, judged by the header the overlay makes Envoy send; on consul, skips it', () => {
    const target = planFor('prod');
    const flagged = target.checks.filter((c) => c.kind === 'fault' || c.kind === 'rate-limit' || c.kind === 'circuit-breaker');
    expect(flagged.map((c) => c.kind)).toEqual(expect.arrayContaining(['fault', 'rate-limit', 'circuit-breaker']));
    expect(flagged.every((c) => c.flagsFromOverlay === true)).toBe(true);
    expect(target.checks.filter((c) => c.kind === 'split').every((c) => c.flagsFromOverlay === undefined)).toBe(true);
    expect(planFor('dev').checks.some((c) => c.kind === 'fault' && c.flagsFromOverlay === undefined)).toBe(true);
    const e = model.environments.find((x) => x.name === 'prod')!;
    const consul = planForTarget(derivePlan(modelForEnvironment(model, e), 'prod'), calls, 'consul');
    expect(consul.checks.some((c) => c.kind === 'fault' || c.kind === 'rate-limit' || c.kind === 'circuit-breaker')).toBe(false);
    expect(consul.notVerified.some((n) => n.kind === 'fault' && /response flags.*consul overlay does not expose/.test(n.reason))).toBe(true);
  });
});

describe('weft verify --target on the command line', () => {
  it('takes a gateway URL; a kube context is a usage error that shows the port-forward instead', () => {
    const r = spawnSync(process.execPath, ['bin/weft.mjs', 'verify', '--target', 'kind-weft'], { cwd: join(__dirname, '../..'), encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--target takes the gateway's URL .*not "kind-weft".*kubectl --context CTX .*port-forward/);
  }, 90_000);
});

describe('gateway routes in cluster mode', () => {
  const mesh = new Mesh('gw', { environments: { prod: { mesh: 'istio' } } });
  const team = mesh.team('t', { namespace: 't' });
  const shop = team.service('shop', { port: 8080, versions: { v1: { image: 'e/s:1' }, v2: { image: 'e/s:2' } } });
  const edge = mesh.gateway('edge', { hosts: ['shop.gw.test'] });
  edge.route('legacy', { match: { path: { exact: '/old' } }, redirect: { uri: '/new', status: 301 } });
  edge.route('beta', { match: { path: { prefix: '/shop' }, headers: { 'x-beta': { exact: '1' } } }, to: shop.version('v2') });
  edge.route('shop', { match: { path: { prefix: '/shop' } }, to: shop.version('v1') });
  const gwModel = mesh.toModel().model!;

  it('probes each route straight at the gateway with its host: positives, near misses, 404 where no route matches', () => {
    const plan = derivePlan(modelForEnvironment(gwModel, gwModel.environments[0]!), 'prod', { gatewayScheme: 'http' });
    const checks = plan.checks.filter((c) => c.via.gateway);
    expect(checks.map((c) => c.id)).toEqual(['redirect:gw/edge/route:legacy', 'route:gw/edge/route:beta', 'route:gw/edge/route:shop', 'route:gw/edge:hosts']);
    for (const c of checks.slice(0, 3)) expect(c.via).toMatchObject({ authority: 'shop.gw.test', gateway: true });
    // an undeclared Host, the certificate still checked against the declared one
    expect(checks[3]!.via).toMatchObject({ authority: 'weft-host-miss.invalid', certificateHost: 'shop.gw.test', gateway: true });
    const beta = checks[1]!.spec.type === 'routing' ? checks[1]!.spec.probes : [];
    const outcome = (name: string) => beta.find((p) => p.name.startsWith(name))!.expected;
    expect(outcome('positive')).toMatchObject({ kind: 'forward', destinations: [{ version: 'v2', weight: 100 }] });
    // without the header the next route (shop → v1) answers; off the path, no route: 404
    expect(beta.filter((p) => p.name !== 'positive').map((p) => p.expected)).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'forward', destinations: [{ version: 'v1', weight: 100 }] }), expect.objectContaining({ kind: 'direct-response', status: 404 })]));
  });

  it('plans gateway routes locally on each gateway\'s own scheme, and lists TLS gateways in an http run as not verified', () => {
    const local = derivePlan(modelForEnvironment(gwModel, gwModel.environments[0]!), 'prod');
    expect(local.checks.filter((c) => c.via.gateway).map((c) => `${c.id} ${c.via.scheme}`)).toEqual(['redirect:gw/edge/route:legacy http', 'route:gw/edge/route:beta http', 'route:gw/edge/route:shop http', 'route:gw/edge:hosts http']);
    const tls = new Mesh('gw2', { environments: { prod: { mesh: 'istio' } } });
    const svc = tls.team('t', { namespace: 't' }).service('s', { port: 8080, versions: { v1: { image: 'e/s:1' } } });
    tls.gateway('secure', { hosts: ['s.gw.test'], tls: { secretName: 's-tls' } }).route('all', { to: svc });
    const m = tls.toModel().model!;
    const http = derivePlan(modelForEnvironment(m, m.environments[0]!), 'prod', { gatewayScheme: 'http' });
    expect(http.notVerified.some((n) => /serves https; this run's target is http/.test(n.reason))).toBe(true);
    const https = planForTarget(derivePlan(modelForEnvironment(m, m.environments[0]!), 'prod', { gatewayScheme: 'https' }), new Set(), 'istio', 'https');
    // s is called by no service: its default route is probed through the gateway too (test/verify/gateway.test.ts)
    expect(https.checks.map((c) => c.id)).toEqual(['route:gw2/t/s:default', 'route:gw2/secure/route:all', 'route:gw2/secure:hosts']);
  });

  it('sends a gateway probe straight to the target URL with the route host', async () => {
    const seen: { host?: string; url?: string }[] = [];
    const server = createServer((req, res) => {
      seen.push({ host: req.headers.host, url: req.url });
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const transport = new ForwardTransport(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, () => undefined, new Set());
    try {
      const o = await transport.send({ caller: { namespace: 'istio-system', name: 'edge' }, authority: 'shop.gw.test', gateway: true }, { method: 'GET', path: '/weft-miss/shop?x=1', headers: {} }, 'g-1');
      expect(o.status).toBe(404);
      expect(seen).toEqual([{ host: 'shop.gw.test', url: '/weft-miss/shop?x=1' }]);
    } finally {
      await transport.close();
      await new Promise((r) => server.close(r));
    }
  });
});

describe('weft verify --target through the overlay\'s gateway (the overlay run on loopback)', () => {
  const overlay = useOverlayFixture(model, 'weft-overlay-');

  it('verifies routes, splits, faults, mirrors, JWT and the authorization cells of calling identities through the gateway', async () => {
    const out = await verify({ configPath: CONFIG, distDir: overlay.dist, seed: 5, target: overlay.url, only: '/^(route|redirect|direct-response|split|fault|mirror|jwt|authorization|timeout):/', out: devNull() });
    const r = out.report!;
    expect(r.mode).toBe('target');
    expect(r.target).toBe(overlay.url);
    const failed = r.checks.filter((c) => c.status === 'failed').map((c) => `${c.id}: ${c.assertions.filter((a) => a.status === 'failed').map((a) => a.observed).join('; ')}`);
    expect(failed).toEqual([]);
    expect(r.checks.map((c) => c.kind)).toEqual(expect.arrayContaining(['route', 'split', 'fault', 'mirror', 'jwt', 'redirect', 'direct-response']));
    // the mirror's share was judged on counts read through front's probe client (not inconclusive)
    const mirror = r.checks.find((c) => c.kind === 'mirror')!;
    expect(mirror.assertions.map((a) => `${a.name}: ${a.status}`)).toEqual(expect.arrayContaining([expect.stringMatching(/^share mirrored to shadow v1: passed$/)]));
    // what needs a vantage point inside the cluster is listed, not silently dropped
    expect(r.notVerified.some((n) => n.kind === 'mtls' && n.reason.includes('(--target)'))).toBe(true);
  }, 400_000);

  it('fails a drifted cluster: a header match the cluster dropped', async () => {
    // The routes the probes meet are the probe client's (front's routes, in its own sidecar).
    await overlay.withEditedConfig(
      'verify/dev/weft/t/front-weft-probe-probe.json',
      (config) => {
        delete config.routes.find((x: { name: string }) => x.name === 'backend.t/beta').match.headers;
      },
      async () => {
        const out = await verify({ configPath: CONFIG, distDir: overlay.dist, seed: 6, target: overlay.url, only: 'route:fx/t/backend/route:beta', out: devNull() });
        const check = out.report!.checks.find((c) => c.id === 'route:fx/t/backend/route:beta')!;
        expect(check.status).toBe('failed');
        expect(check.assertions.find((a) => a.status === 'failed')!.name).toMatch(/header x-beta/);
        expect(out.exitCode).toBe(1);
      },
    );
  }, 300_000);

  it('fails a drifted cluster: the mirror the cluster dropped (counts read through a probe client)', async () => {
    await overlay.withEditedConfig(
      'verify/dev/weft/t/front-weft-probe-probe.json',
      (config) => {
        delete config.routes.find((x: { name: string }) => x.name === 'backend.t/api').mirror;
      },
      async () => {
        const out = await verify({ configPath: CONFIG, distDir: overlay.dist, seed: 9, target: overlay.url, only: '/^mirror:/', out: devNull() });
        const check = out.report!.checks.find((c) => c.kind === 'mirror')!;
        expect(check.assertions.filter((a) => a.status === 'failed').map((a) => a.name)).toEqual(['share mirrored to shadow v1']);
        expect(out.exitCode).toBe(1);
      },
    );
  }, 300_000);

  it('checks a service rate limit through a probe client (every receiving instance\'s bucket), and fails when the cluster dropped it', async () => {
    const id = 'rate-limit:fx/t/limited';
    const ok = await verify({ configPath: CONFIG, distDir: overlay.dist, seed: 10, target: overlay.url, only: `/^${id}$/`, out: devNull() });
    const check = ok.report!.checks.find((c) => c.id === id)!;
    expect(check.assertions.map((a) => `${a.name}: ${a.status} ${a.observed}`)).toEqual([expect.stringMatching(/^ceiling \(burst\): passed /), expect.stringMatching(/^refill .*: passed /)]);
    await overlay.withEditedConfig(
      'verify/dev/weft/t/limited-v1.json',
      (config) => {
        delete config.listeners.inbound.rateLimit;
      },
      async () => {
        const out = await verify({ configPath: CONFIG, distDir: overlay.dist, seed: 11, target: overlay.url, only: `/^${id}$/`, out: devNull() });
        expect(out.report!.checks.find((c) => c.id === id)!.assertions.filter((a) => a.status === 'failed').map((a) => a.name)).toContain('ceiling (burst)');
        expect(out.exitCode).toBe(1);
      },
    );
  }, 300_000);

  it('waits for the overlay tag and names the stale pairs when the cluster serves another overlay', async () => {
    const other = { ...model, name: 'another-mesh' };
    expect(overlayTag(other, 'dev')).not.toBe(overlayTag(model, 'dev'));
    const bad = createServer((req, res) => {
      // a gateway in front of echoes of another overlay: right shape, wrong tag
      const body = JSON.stringify({ results: [{ status: 200, headers: { 'x-weft-echo-service': 'backend' }, body: JSON.stringify({ service: 'backend', version: 'v1', instance: 'x', tag: 'ffffffffffffffff' }), durationMs: 1 }] });
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
    await new Promise<void>((r) => bad.listen(0, '127.0.0.1', r));
    try {
      const at = `http://127.0.0.1:${(bad.address() as AddressInfo).port}`;
      const error = await verify({ configPath: CONFIG, distDir: overlay.dist, seed: 1, target: at, only: 'route:fx/t/backend/route:beta', targetReadyTimeoutMs: 2500, out: devNull() }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TargetNotReadyError);
      expect((error as TargetNotReadyError).code).toBe('WEFT_VERIFY_TARGET_NOT_READY');
      expect((error as Error).message).toMatch(/t\/front → backend\.t:8080: tag ffffffffffffffff/);
    } finally {
      await new Promise((r) => bad.close(r));
    }
  }, 120_000);
});

function devNull(): NodeJS.WriteStream {
  return { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream;
}
