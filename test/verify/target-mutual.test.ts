/**
 * A MUTUAL (mTLS) ingress gateway in cluster mode: with `--target-cert`/`--target-key` (and
 * `--target-ca` for the gateway's server certificate) the verifier presents a client certificate
 * and probes the gateway's routes, and checks that a client without one is refused at the
 * handshake; without them the gateway's routes are listed as not verified, never passed. Tested
 * against the verification overlay of test/local/fixtures/gateway.config.ts run on loopback: its
 * `partners` gateway is MUTUAL with the local CA, which issues the client certificate.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlan, verify } from '../../src/verify/verify';
import { checkStatuses, devNull, useOverlayFixture } from './fixtures/local-fixture';
import gatewayMesh from '../local/fixtures/gateway.config';

const CONFIG = join(__dirname, '../local/fixtures/gateway.config.ts');
const ids = { route: 'route:edge/partners/route:all', hosts: 'route:edge/partners:hosts', client: 'mtls:edge/partners:client-certificate' };
const PARTNERS = /^(route:edge\/partners\/route:all|route:edge\/partners:hosts|mtls:edge\/partners:client-certificate)$/;

describe('the plan of an https cluster run with a MUTUAL gateway', () => {
  it('without a client certificate: its routes are not verified, with the options to pass', async () => {
    const { plan } = await loadPlan({ configPath: CONFIG, gatewayScheme: 'https' }, false);
    expect(plan!.checks.map((c) => c.id).filter((id) => PARTNERS.test(id))).toEqual([]);
    expect(plan!.notVerified.map((n) => n.reason)).toContainEqual(expect.stringMatching(/^gateway "partners" is MUTUAL: .*pass one with --target-cert F --target-key F/));
  });

  it('with one: its routes, its hosts and the client-certificate check are planned', async () => {
    const { plan } = await loadPlan({ configPath: CONFIG, gatewayScheme: 'https', gatewayClientCertificate: true }, false);
    expect(plan!.checks.map((c) => c.id).filter((id) => PARTNERS.test(id)).sort()).toEqual(Object.values(ids).sort());
    expect(plan!.notVerified.filter((n) => /partners/.test(n.reason))).toEqual([]);
  });
});

describe('weft verify --target https://… --target-cert --target-key --target-ca at a MUTUAL gateway (the overlay run on loopback)', () => {
  const overlay = useOverlayFixture(gatewayMesh.toModel().model!, 'weft-overlay-mutual-');
  const partners = () => {
    const g = overlay.mesh.gateways().find((x) => x.name === 'partners-gateway')!;
    const server = g.servers.find((s) => s.tls === 'MUTUAL')!;
    expect(g.client, 'the local CA issued a client certificate').toBeDefined();
    return { url: server.url, tls: { caFile: g.caFile!, certFile: g.client!.certFile, keyFile: g.client!.keyFile } };
  };
  const run = (only: RegExp, tls: { caFile?: string; certFile?: string; keyFile?: string }) => verify({ configPath: CONFIG, distDir: overlay.dist, seed: 3, target: partners().url, targetTls: tls, only: `/${only.source}/`, out: devNull });

  it('passes the routes with the client certificate, and a client without one is refused', async () => {
    const out = await run(PARTNERS, partners().tls);
    expect(out.report!.mode).toBe('target');
    expect(checkStatuses(out.report!)).toEqual(Object.values(ids).map((id) => `${id}: passed`).sort());
    expect(out.exitCode).toBe(0);
  }, 240_000);

  it('without the client certificate the MUTUAL gateway is not verified (never passed): --only finds no check of it', async () => {
    const { caFile } = partners().tls;
    const out = await run(PARTNERS, { caFile });
    expect(out.report).toBeUndefined();
    expect(out.diagnostics.map((d) => d.code)).toEqual(['WEFT803']);
    const plan = await verify({ configPath: CONFIG, distDir: overlay.dist, seed: 3, target: partners().url, targetTls: { caFile }, planOnly: true, out: devNull });
    expect(plan.diagnostics.map((d) => d.message)).toContainEqual(expect.stringMatching(/route not verified: gateway "partners" is MUTUAL/));
  }, 120_000);

  it('fails the client-certificate check on a cluster whose MUTUAL gateway became SIMPLE', async () => {
    // The restarted mesh has a CA of its own (and removes the old one's files): keep the client certificate.
    const kept = mkdtempSync(join(tmpdir(), 'weft-mutual-client-'));
    const { certFile, keyFile } = partners().tls;
    const client = { certFile: join(kept, 'tls.crt'), keyFile: join(kept, 'tls.key') };
    copyFileSync(certFile, client.certFile);
    copyFileSync(keyFile, client.keyFile);
    const simple = () => {
      const g = overlay.mesh.gateways().find((x) => x.name === 'partners-gateway')!;
      return { url: g.servers[0]!.url, caFile: g.caFile! };
    };
    await overlay.withEditedConfig(
      'verify/dev/weft/istio-system/partners-gateway.json',
      (config) => {
        config.listeners.gateway[0].tls.mode = 'SIMPLE';
        delete config.listeners.gateway[0].tls.files.caFile;
      },
      async () => {
        const out = await verify({ configPath: CONFIG, distDir: overlay.dist, seed: 3, target: simple().url, targetTls: { caFile: simple().caFile, ...client }, only: `/${PARTNERS.source}/`, out: devNull });
        expect(out.exitCode).toBe(1);
        const check = out.report!.checks.find((c) => c.id === ids.client)!;
        expect(check.assertions.filter((a) => a.status === 'failed').map((a) => `${a.name}: ${a.observed}`)).toEqual([expect.stringMatching(/^no client certificate: 200 /)]);
        expect(out.report!.checks.find((c) => c.id === ids.route)!.status).toBe('passed');
      },
      { restart: true },
    );
    rmSync(kept, { recursive: true, force: true });
  }, 240_000);

  it('an unreadable --target-key is WEFT804; the run does not start', async () => {
    const out = await run(PARTNERS, { ...partners().tls, keyFile: '/nonexistent/weft-client.key' });
    expect(out.report).toBeUndefined();
    expect(out.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([expect.stringMatching(/^WEFT804 --target-key \/nonexistent\/weft-client\.key cannot be read: ENOENT/)]);
  });
});

describe('the --target-* options on the command line', () => {
  const weft = (...args: string[]) => spawnSync(process.execPath, ['bin/weft.mjs', 'verify', ...args], { cwd: join(__dirname, '../..'), encoding: 'utf8', timeout: 60_000 });
  it('--target-cert needs --target-key, and both need an https target', () => {
    const alone = weft('--target', 'https://127.0.0.1:8443', '--target-cert', 'c.pem');
    expect(alone.status).toBe(2);
    expect(alone.stderr).toMatch(/--target-cert and --target-key go together/);
    const http = weft('--target', 'http://127.0.0.1:8080', '--target-cert', 'c.pem', '--target-key', 'k.pem');
    expect(http.status).toBe(2);
    expect(http.stderr).toMatch(/--target-cert applies to an https target/);
  }, 120_000);
});
