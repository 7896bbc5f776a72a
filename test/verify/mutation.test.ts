/**
 * The verifier's own power: misconfigurations of the compiled dist/ of the fixture mesh, each
 * served to one running local mesh by hot reload (as Argo CD updating a ConfigMap would), and
 * the verifier run with --dist semantics (plan from the mesh config, mesh from the mutated dist)
 * on the check that covers it. Each must fail, on the right check and assertion. Bounded: one
 * mesh, one targeted check per mutation; the score is printed.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalMesh } from '../../src/local/mesh';
import { verify } from '../../src/verify/verify';
import { fixtureDist } from './fixtures/dist';

type Json = Record<string, any>;
interface Mutation {
  name: string;
  /** Check id (exact) that must fail, and a substring of the failing assertion's name. */
  check: string;
  assertion: string;
  files: string[];
  apply(config: Json): void;
}

const CONFIG = join(__dirname, 'fixtures/mesh.config.ts');
const FRONT = 'dev/weft/t/front-v1.json';
const route = (c: Json, name: string): Json => c.routes.find((r: Json) => r.name === `backend.t/${name}`);
const backend = (c: Json): Json => c.services.find((s: Json) => s.name === 'backend');
const id = (kind: string, what: string) => `${kind}:fx/t/backend/route:${what}`;

const MUTATIONS: Mutation[] = [
  { name: 'split weights swapped', check: id('split', 'api'), assertion: 'share of version', files: [FRONT], apply: (c) => route(c, 'api').action.destinations.forEach((d: Json) => (d.weight = 100 - d.weight)) },
  { name: 'split weights off by 10 points', check: id('split', 'api'), assertion: 'share of version', files: [FRONT], apply: (c) => route(c, 'api').action.destinations.forEach((d: Json) => (d.weight += d.subset === 'v1' ? 10 : -10)) },
  { name: 'header match dropped', check: id('route', 'beta'), assertion: 'near miss: header x-beta', files: [FRONT], apply: (c) => delete route(c, 'beta').match.headers },
  { name: 'query match dropped', check: id('route', 'beta'), assertion: 'near miss: query debug', files: [FRONT], apply: (c) => delete route(c, 'beta').match.query },
  { name: 'route to the wrong version', check: id('route', 'beta'), assertion: 'positive', files: [FRONT], apply: (c) => (route(c, 'beta').action.destinations[0].subset = 'v1') },
  { name: 'redirect status changed', check: id('redirect', 'old'), assertion: 'positive', files: [FRONT], apply: (c) => (route(c, 'old').action.status = 302) },
  { name: 'redirect target changed', check: id('redirect', 'old'), assertion: 'positive', files: [FRONT], apply: (c) => (route(c, 'old').action.path = '/other') },
  { name: 'direct response body changed', check: id('direct-response', 'health'), assertion: 'positive', files: [FRONT], apply: (c) => (route(c, 'health').action.body = 'ko') },
  { name: 'method match dropped', check: id('direct-response', 'health'), assertion: 'near miss: method', files: [FRONT], apply: (c) => delete route(c, 'health').match.methods },
  { name: 'rewrite dropped', check: id('route', 'api'), assertion: 'positive', files: [FRONT], apply: (c) => delete route(c, 'api').rewrite },
  { name: 'request header set dropped', check: id('route', 'api'), assertion: 'positive', files: [FRONT], apply: (c) => delete route(c, 'api').headers.request.set },
  { name: 'request header removal dropped', check: id('route', 'api'), assertion: 'positive', files: [FRONT], apply: (c) => delete route(c, 'api').headers.request.remove },
  { name: 'response header set dropped', check: id('route', 'api'), assertion: 'positive', files: [FRONT], apply: (c) => delete route(c, 'api').headers.response.set },
  { name: 'response header removal dropped', check: id('route', 'api'), assertion: 'positive', files: [FRONT], apply: (c) => delete route(c, 'api').headers.response.remove },
  { name: 'mirror removed', check: id('mirror', 'api'), assertion: 'share mirrored', files: [FRONT], apply: (c) => delete route(c, 'api').mirror },
  { name: 'mirror percent changed', check: id('mirror', 'api'), assertion: 'share mirrored', files: [FRONT], apply: (c) => (route(c, 'api').mirror.percent = 20) },
  { name: 'retries removed', check: id('retries', 'beta'), assertion: 'retry-on 5xx', files: [FRONT], apply: (c) => delete route(c, 'beta').retries },
  { name: 'retry attempts changed', check: id('retries', 'beta'), assertion: 'retry-on 5xx', files: [FRONT], apply: (c) => (route(c, 'beta').retries.attempts = 1) },
  { name: 'retries removed (connect failures)', check: `${id('retries', 'beta')}:connect-failure`, assertion: 'a refused connection is retried', files: [FRONT], apply: (c) => delete route(c, 'beta').retries },
  { name: 'retry-on connect-failure narrowed away', check: `${id('retries', 'beta')}:connect-failure`, assertion: 'then 503 UF (URX)', files: [FRONT], apply: (c) => (route(c, 'beta').retries.retryOn = ['retriable-4xx']) },
  { name: 'retry-on class widened', check: id('retries', 'gw'), assertion: 'status 500 is not retried', files: [FRONT], apply: (c) => (route(c, 'gw').retries.retryOn = ['5xx']) },
  { name: 'per-try timeout changed', check: id('retries', 'beta'), assertion: 'per-try timeout', files: [FRONT], apply: (c) => (route(c, 'beta').retries.perTryTimeoutMs = 1500) },
  { name: 'timeout changed', check: id('timeout', 'beta'), assertion: '504 after', files: [FRONT], apply: (c) => (route(c, 'beta').timeoutMs = 600) },
  { name: 'fault percent changed', check: id('fault', 'chaos'), assertion: 'abort rate', files: [FRONT], apply: (c) => (route(c, 'chaos').fault.abort.percent = 30) },
  { name: 'route rate limit raised', check: 'rate-limit:fx/t/backend/route:gw', assertion: 'ceiling', files: [FRONT], apply: (c) => (route(c, 'gw').rateLimit = { maxTokens: 200, tokensPerFill: 100, fillIntervalMs: 1000 }) },
  { name: 'service rate limit removed', check: 'rate-limit:fx/t/limited', assertion: 'ceiling', files: ['dev/weft/t/limited-v1.json'], apply: (c) => delete c.listeners.inbound.rateLimit },
  { name: 'circuit breaker disabled', check: 'circuit-breaker:fx/t/backend:pool', assertion: 'pool limit', files: [FRONT], apply: (c) => (backend(c).connectionPool = { connectTimeoutMs: 10000, idleTimeoutMs: 4000 }) },
  { name: 'mTLS set to PERMISSIVE', check: 'mtls:fx/t/backend', assertion: 'plaintext', files: ['dev/weft/t/backend-v1.json', 'dev/weft/t/backend-v2.json'], apply: (c) => (c.security.mtls.mode = 'PERMISSIVE') },
  { name: 'DENY rule removed', check: 'authorization:fx/t/front', assertion: 'GET /adminweft', files: ['dev/weft/t/front-v1.json'], apply: (c) => (c.security.authorization.policies = c.security.authorization.policies.filter((p: Json) => p.action !== 'DENY')) },
  { name: 'JWT check removed', check: 'jwt:fx/t/limited/jwt:idp', assertion: 'expired token', files: ['dev/weft/t/limited-v1.json'], apply: (c) => Object.assign(c.security, { jwt: [], jwtRequired: false }) },
];

describe('mutation test: the verifier catches misconfigurations of dist/', () => {
  let pristine: string;
  let mutated: string;
  let mesh: LocalMesh;
  const caught: string[] = [];

  beforeAll(async () => {
    pristine = fixtureDist();
    mutated = mkdtempSync(join(tmpdir(), 'weft-mutant-'));
    mesh = await LocalMesh.start({ distDir: pristine, env: 'dev' });
  }, 180_000);

  afterAll(async () => {
    await mesh?.stop();
    process.stdout.write(`mutation score: ${caught.length}/${MUTATIONS.length}\n`);
    rmSync(pristine, { recursive: true, force: true });
    rmSync(mutated, { recursive: true, force: true });
  }, 60_000);

  it('the unmutated dist passes every check the mutations target', async () => {
    const only = `/^(${[...new Set(MUTATIONS.map((m) => m.check))].map((c) => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})$/`;
    const out = await verify({ configPath: CONFIG, distDir: pristine, mesh, seed: 11, only, out: devNull() });
    const failed = out.report!.checks.filter((c) => c.status !== 'passed').map((c) => `${c.id}: ${c.assertions.filter((a) => a.status !== 'passed').map((a) => `${a.name}: ${a.observed}`).join('; ')}`);
    expect(failed).toEqual([]);
  }, 300_000);

  it.each(MUTATIONS.map((m) => [m.name, m] as const))('%s', async (_name, m) => {
    rmSync(mutated, { recursive: true, force: true });
    cpSync(pristine, mutated, { recursive: true });
    for (const file of m.files) {
      const config = JSON.parse(readFileSync(join(mutated, file), 'utf8')) as Json;
      m.apply(config);
      writeFileSync(join(mutated, file), `${JSON.stringify(config, null, 2)}\n`);
    }
    // Some settings are part of the listener (mTLS mode) and are not hot-reloaded: restart for those.
    const restarted = await mesh.reload(mutated, 15_000).then(
      () => false,
      async () => {
        await mesh.stop();
        mesh = await LocalMesh.start({ distDir: mutated, env: 'dev' });
        return true;
      },
    );
    const out = await verify({ configPath: CONFIG, distDir: mutated, mesh, seed: 11, only: `/^${m.check.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$/`, out: devNull() });
    const check = out.report!.checks.find((c) => c.id === m.check)!;
    const failedAssertions = check.assertions.filter((a) => a.status === 'failed').map((a) => a.name);
    expect(out.exitCode).toBe(1);
    expect(failedAssertions.some((a) => a.includes(m.assertion)), `failed assertions: ${failedAssertions.join(', ')}`).toBe(true);
    // the failure names the declaration it verifies
    expect(check.declaration.file).toMatch(/fixtures\/mesh\.ts$/);
    caught.push(m.name);
    if (restarted) {
      await mesh.stop();
      mesh = await LocalMesh.start({ distDir: pristine, env: 'dev' });
    } else await mesh.reload(pristine);
  }, 180_000);
});

function devNull(): NodeJS.WriteStream {
  return { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream;
}
