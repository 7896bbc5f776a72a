/**
 * mTLS and the authorization matrix of a TCP and a gRPC service on a local mesh
 * (test/verify/fixtures/stream-security.config.ts): plaintext refused under STRICT on the TCP
 * and gRPC inbound listeners, every identity × operation cell served or denied as the model
 * says — the declared caller through its own proxy, the others straight at the inbound listener
 * with their certificate. Each check fails on a mutated dist/ (authorization opened on the TCP
 * service, mTLS PERMISSIVE on the gRPC one, …), the way `weft verify --local --dist` runs it.
 * Bounded: one mesh of five instances, a few dozen probes per run.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verify } from '../../src/verify/verify';
import { checkStatuses, devNull, useLocalFixture } from './fixtures/local-fixture';

const CONFIG = join(__dirname, 'fixtures/stream-security.config.ts');
const STORE = 'dev/weft/t/store-v1.json';
const LEDGER = 'dev/weft/t/ledger-v1.json';
const ids = {
  storeMtls: 'mtls:l4sec/t/store',
  storeAuthz: 'authorization:l4sec/t/store',
  ledgerMtls: 'mtls:l4sec/t/ledger',
  ledgerAuthz: 'authorization:l4sec/t/ledger',
};
const fixture = useLocalFixture(CONFIG, 'weft-l4sec-');

const run = async (only: string[], seed = 1) => {
  const out = await verify({ configPath: CONFIG, distDir: fixture.dist, mesh: fixture.mesh, seed, only: `/^(${only.join('|')})$/`, out: devNull });
  return out;
};
const failed = (out: Awaited<ReturnType<typeof run>>, id: string) =>
  out.report!.checks
    .find((c) => c.id === id)!
    .assertions.filter((a) => a.status === 'failed')
    .map((a) => a.name);
/** Every assertion with what was observed: the message of a failed expectation. */
const observed = (out: Awaited<ReturnType<typeof run>>, id: string) => JSON.stringify(out.report!.checks.find((c) => c.id === id)!.assertions.map((a) => `${a.name}: ${a.status} ${a.observed}`));

describe('mTLS and authorization of TCP and gRPC services', () => {
  it('plans no WEFT802 for them and passes on the compiled dist/', async () => {
    const out = await run(Object.values(ids));
    expect(out.plan!.notVerified.filter((n) => n.kind === 'mtls' || n.kind === 'authorization')).toEqual([]);
    expect(checkStatuses(out.report!)).toEqual(
      Object.values(ids).map((id) => `${id}: passed`).sort(),
    );
    const cells = (id: string) => Object.fromEntries(out.report!.checks.find((c) => c.id === id)!.assertions.map((a) => [a.name, a.expected.split(' (')[0]]));
    // The TCP matrix: the declared caller through its proxy, DENY over ALLOW, deny-by-default.
    expect(cells(ids.storeAuthz)).toEqual({
      'client connects': "served through client's proxy",
      'stranger connects': 'closed unanswered with its certificate',
      'outsider connects': 'closed unanswered with its certificate',
      'store connects': 'served with its certificate',
      'ledger connects': 'served with its certificate',
    });
    const ledger = cells(ids.ledgerAuthz);
    expect(ledger['client /weft.echo.v1.Echo/Call']).toBe("served through client's proxy");
    expect(ledger['client /weft.echo.v1.Echo/AdminWeft']).toBe("PERMISSION_DENIED through client's proxy");
    expect(ledger['outsider /weft.echo.v1.Echo/Call']).toBe('PERMISSION_DENIED with its certificate');
    expect(ledger['stranger /weft.echo.v1.Echo/Call']).toBe('served with its certificate');
    // Served cells of another method reached the echo (UNIMPLEMENTED, no proxy flag); denied ones never did.
    const seen = Object.fromEntries(out.report!.checks.find((c) => c.id === ids.ledgerAuthz)!.assertions.map((a) => [a.name, a.observed]));
    expect(seen['client /weft.echo.v1.Echo/Call']).toBe('grpc 0 ledger v1');
    expect(seen['client /weft.echo.v1.Echo/AdminWeft']).toMatch(/^grpc 7\b/);
    expect(seen['stranger /weft.echo.v1.Echo/Call']).toBe('grpc 0 ledger v1');
    const mtls = out.report!.checks.find((c) => c.id === ids.storeMtls)!.assertions;
    expect(mtls.map((a) => `${a.name}: ${a.observed}`)).toEqual([expect.stringMatching(/^plaintext TCP connection: closed unanswered/), 'mTLS as client: tcp store v1']);
  }, 180_000);

  it('fails the TCP matrix when authorization is opened on the TCP service', async () => {
    await fixture.withEditedConfig(
      STORE,
      (c) => (c.security.authorization.policies = [{ action: 'ALLOW', name: 'open', namespace: 't', rules: [{}] }]),
      async () => {
        const out = await run([ids.storeAuthz], 2);
        expect(out.exitCode).toBe(1);
        expect(failed(out, ids.storeAuthz).sort()).toEqual(['outsider connects', 'stranger connects']);
      },
    );
  }, 180_000);

  it('fails the gRPC matrix when its DENY rule is removed', async () => {
    await fixture.withEditedConfig(
      LEDGER,
      (c) => (c.security.authorization.policies = c.security.authorization.policies.filter((p: { action: string }) => p.action !== 'DENY')),
      async () => {
        const out = await run([ids.ledgerAuthz], 3);
        expect(failed(out, ids.ledgerAuthz)).toEqual(expect.arrayContaining(['client /weft.echo.v1.Echo/AdminWeft', 'stranger /weft.echo.v1.Echo/AdminWeft']));
      },
    );
  }, 180_000);

  it('fails mTLS when the gRPC service is PERMISSIVE', async () => {
    await fixture.withEditedConfig(
      LEDGER,
      (c) => (c.security.mtls.mode = 'PERMISSIVE'),
      async () => {
        const out = await run([ids.ledgerMtls], 4);
        expect(failed(out, ids.ledgerMtls), observed(out, ids.ledgerMtls)).toEqual(['plaintext gRPC call']);
        expect(out.exitCode).toBe(1);
      },
      { restart: true },
    );
  }, 240_000);

  it('fails mTLS when the TCP service is PERMISSIVE', async () => {
    await fixture.withEditedConfig(
      STORE,
      (c) => (c.security.mtls.mode = 'PERMISSIVE'),
      async () => {
        const out = await run([ids.storeMtls], 5);
        expect(failed(out, ids.storeMtls), observed(out, ids.storeMtls)).toEqual(['plaintext TCP connection']);
      },
      { restart: true },
    );
  }, 240_000);
});
