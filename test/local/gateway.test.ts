/**
 * The local mesh runs the TLS ingress gateways of test/local/fixtures/gateway.config.ts on
 * loopback: each server on a port of its own, the https ones with a server certificate of the
 * throwaway local CA for the declared hosts. Real sockets, real TLS (node:tls, undici): SNI and
 * Host routing, the gateway's identity admitted by deny-by-default services, plaintext refused on
 * the https port, the http-80 redirect, and MUTUAL client certificates.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import tls from 'node:tls';
import { Agent, request } from 'undici';
import { describe, expect, it } from 'vitest';
import { LocalCa } from '../../src/local/ca';
import type { LocalGateway, LocalGatewayServer } from '../../src/local/mesh';
import { useLocalFixture } from '../verify/fixtures/local-fixture';

const CONFIG = join(__dirname, 'fixtures/gateway.config.ts');
const fixture = useLocalFixture(CONFIG, 'weft-local-gw-');

const gateway = (name: string): LocalGateway => fixture.mesh.gateways().find((g) => g.name === name)!;
const server = (g: LocalGateway, name: string): LocalGatewayServer => g.servers.find((s) => s.name === name)!;

interface Answer {
  status: number;
  headers: Record<string, unknown>;
  echo?: { service: string; version: string; path: string; headers: Record<string, string> };
}

/** One request over https to 127.0.0.1:`port`, with `sni` as TLS server name and `host` as Host. */
async function https(port: number, sni: string, host: string, path: string, connect: tls.ConnectionOptions, headers: Record<string, string> = {}): Promise<Answer> {
  const agent = new Agent({ connect: { servername: sni, ...connect } as never });
  try {
    const res = await request(`https://127.0.0.1:${port}${path}`, { dispatcher: agent, headers: { host, ...headers }, headersTimeout: 30_000, bodyTimeout: 30_000 });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, ...(text.startsWith('{') ? { echo: JSON.parse(text) } : {}) };
  } finally {
    await agent.close();
  }
}

/** The certificate a TLS server presents for `sni`, and whether it verified against `ca` for that name. */
function handshake(port: number, sni: string, ca: Buffer): Promise<{ authorized: boolean; error?: string; altNames?: string }> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: sni, ca, rejectUnauthorized: false, timeout: 30_000 }, () => {
      const peer = socket.getPeerCertificate();
      // Host name check as an https client does it (RFC 6125, wildcards in the left-most label).
      const mismatch = tls.checkServerIdentity(sni, peer);
      resolve({ authorized: socket.authorized && !mismatch, error: socket.authorizationError?.toString() ?? mismatch?.message, altNames: peer.subjectaltname });
      socket.end();
    });
    socket.once('error', (e) => resolve({ authorized: false, error: e.message }));
  });
}

describe('the local mesh runs the TLS ingress gateways', () => {
  it('gives every gateway server a loopback port of its own; dist/ keeps the Secret paths', () => {
    const shop = gateway('shop-gateway');
    expect(shop.namespace).toBe('istio-system');
    expect(shop.servers.map((s) => [s.name, s.tls ?? 'plain', s.httpsRedirect])).toEqual([
      ['https-443', 'SIMPLE', false],
      ['http-80', 'plain', true],
    ]);
    expect(server(shop, 'https-443').url).toBe(`https://127.0.0.1:${server(shop, 'https-443').port}`);
    const partners = gateway('partners-gateway');
    expect(partners.servers.map((s) => [s.name, s.tls])).toEqual([['https-8443', 'MUTUAL']]);
    expect(partners.client).toBeDefined();
    const ports = fixture.mesh.gateways().flatMap((g) => g.servers.map((s) => s.port));
    expect(new Set(ports).size).toBe(3);
    // The local overlay is written elsewhere: the compiled config still names the mounted Secret.
    const compiled = JSON.parse(readFileSync(join(fixture.dist, 'dev/weft/istio-system/shop-gateway.json'), 'utf8'));
    expect(compiled.listeners.gateway[0].tls.files).toEqual({ certFile: '/etc/weft-gateway-tls/tls.crt', keyFile: '/etc/weft-gateway-tls/tls.key' });
    expect(fixture.mesh.gatewayTable().join('\n')).toMatch(/gateway shop-gateway \(istio-system\) https-443: https:\/\/127\.0\.0\.1:\d+ {2}hosts shop\.gw\.test, \*\.shop\.gw\.test {2}\(TLS SIMPLE, CA /);
  });

  it('presents a certificate of the local CA whose SANs are the declared hosts, wildcard as declared', async () => {
    const shop = gateway('shop-gateway');
    const ca = readFileSync(shop.caFile!);
    const port = server(shop, 'https-443').port;
    const exact = await handshake(port, 'shop.gw.test', ca);
    expect(exact).toMatchObject({ authorized: true, altNames: 'DNS:shop.gw.test, DNS:*.shop.gw.test' });
    expect((await handshake(port, 'eu.shop.gw.test', ca)).authorized).toBe(true);
    // Not a declared host: the certificate does not cover it, and a client that checks names refuses it.
    const other = await handshake(port, 'evil.test', ca);
    expect(other.authorized).toBe(false);
    expect(other.error).toMatch(/ALTNAME|altnames/i);
    // Another CA's clients do not trust it.
    const stranger = await LocalCa.create('another CA');
    expect((await handshake(port, 'shop.gw.test', Buffer.from(stranger.pem))).authorized).toBe(false);
  });

  it('routes by Host and path over https, with the services\' own routes behind the gateway and the gateway\'s identity', async () => {
    const shop = gateway('shop-gateway');
    const port = server(shop, 'https-443').port;
    const ca = readFileSync(shop.caFile!);
    const api = await https(port, 'shop.gw.test', 'shop.gw.test', '/api/items?x=1', { ca });
    expect(api.status).toBe(200);
    expect(api.echo).toMatchObject({ service: 'api', version: 'v1', path: '/api/items' });
    expect(api.echo!.headers['x-forwarded-proto']).toBe('https');
    // api's own route "beta" applies behind the gateway route (deny-by-default admits the gateway's identity).
    expect((await https(port, 'shop.gw.test', 'shop.gw.test', '/api/items', { ca }, { 'x-beta': '1' })).echo).toMatchObject({ service: 'api', version: 'v2' });
    expect((await https(port, 'shop.gw.test', 'shop.gw.test', '/index.html', { ca })).echo).toMatchObject({ service: 'site', path: '/index.html' });
    expect((await https(port, 'eu.shop.gw.test', 'eu.shop.gw.test', '/', { ca })).echo).toMatchObject({ service: 'site' });
    // The services saw the gateway's own mesh identity (mTLS; what their deny-by-default ALLOW lists name).
    const metrics = await Promise.all(fixture.mesh.instancesOf('web', 'api').map(async (i) => (await request(`http://127.0.0.1:${i.ports.admin}/metrics`)).body.text()));
    expect(metrics.join('\n')).toMatch(/istio_requests_total\{[^}]*reporter="destination"[^}]*source_principal="spiffe:\/\/cluster\.local\/ns\/istio-system\/sa\/istio-ingressgateway-service-account"/);
    // A Host the server does not serve: 404 (no virtual host), whatever the SNI (undici checks the certificate against Host: not this time).
    const unknown = await https(port, 'shop.gw.test', 'other.test', '/api/items', { ca, checkServerIdentity: () => undefined });
    expect(unknown.status).toBe(404);
    expect(unknown.echo).toBeUndefined();
  });

  it('refuses plaintext HTTP on the https port', async () => {
    const port = server(gateway('shop-gateway'), 'https-443').port;
    const answer = await new Promise<string>((resolve, reject) => {
      let data = '';
      const socket = net.connect(port, '127.0.0.1', () => socket.write('GET /api/items HTTP/1.1\r\nHost: shop.gw.test\r\n\r\n'));
      socket.setTimeout(30_000, () => reject(new Error('the https port neither answered nor closed in 30 s')));
      socket.on('data', (d) => (data += d.toString('latin1')));
      socket.once('error', () => undefined);
      socket.once('close', () => resolve(data));
    });
    expect(answer.startsWith('HTTP/')).toBe(false);
    await expect(request(`http://127.0.0.1:${port}/api/items`, { headers: { host: 'shop.gw.test' }, headersTimeout: 30_000 })).rejects.toThrow();
  });

  it('redirects plain http to https on the http-80 server', async () => {
    const redirect = server(gateway('shop-gateway'), 'http-80');
    const res = await request(`${redirect.url}/api/items?x=1`, { headers: { host: 'shop.gw.test' }, headersTimeout: 30_000 });
    await res.body.text();
    expect(res.statusCode).toBe(301);
    expect(res.headers.location).toBe('https://shop.gw.test/api/items?x=1');
  });

  it('MUTUAL: serves a client with a certificate of the local CA, and refuses one without or from another CA', async () => {
    const partners = gateway('partners-gateway');
    const port = server(partners, 'https-8443').port;
    const ca = readFileSync(partners.caFile!);
    const cert = readFileSync(partners.client!.certFile);
    const key = readFileSync(partners.client!.keyFile);
    expect((await https(port, 'partners.gw.test', 'partners.gw.test', '/', { ca, cert, key })).echo).toMatchObject({ service: 'api', version: 'v2' });
    await expect(https(port, 'partners.gw.test', 'partners.gw.test', '/', { ca })).rejects.toThrow();
    const stranger = await (await LocalCa.create('another CA')).issuePem({ dnsNames: ['client.test'] });
    await expect(https(port, 'partners.gw.test', 'partners.gw.test', '/', { ca, cert: stranger.cert, key: stranger.key })).rejects.toThrow();
  });

  it('stops the gateway proxies with the mesh (their pids are the mesh\'s)', () => {
    const pids = fixture.mesh.pids();
    const gatewayPids = fixture.mesh.instances.filter((i) => i.workload.gateway).map((i) => i.proxy!.pid);
    expect(gatewayPids).toHaveLength(2);
    for (const pid of gatewayPids) expect(pids).toContain(pid);
  });
});
