/**
 * JWT authentication and authorization as inbound pipeline steps, over real sockets: 401 with
 * www-authenticate for a missing (required) or invalid token, 403 naming the policy for an
 * authenticated but unauthorized request, the token stripped and claims copied for the app.
 */
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, metricsText, requestsTotal, send, startProxy, type TestProxy } from '../helpers/proxy';
import { startUpstream, type Upstream } from '../helpers/upstream';

const ISS = 'https://idp.test';
let app: Upstream;
let proxy: TestProxy;
let sign: (claims: Record<string, unknown>) => Promise<string>;

beforeAll(async () => {
  app = await startUpstream('orders');
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] });
  sign = (claims) => new SignJWT({ sub: 'alice', ...claims }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer(ISS).setAudience('orders').setExpirationTime('10m').sign(privateKey);
  proxy = await startProxy({
    listeners: { inbound: { host: '127.0.0.1', port: 0, app: { port: app.port } }, admin: { port: 0 } },
    security: {
      jwtRequired: true,
      jwt: [{ name: 'idp', issuer: ISS, audiences: ['orders'], jwks, outputClaimToHeaders: [{ header: 'x-user', claim: 'sub' }] }],
      authorization: {
        policies: [
          { name: 'writers', namespace: 'shop', action: 'ALLOW', rules: [{ to: [{ operation: { methods: ['POST'], paths: ['/orders*'] } }], when: [{ key: 'request.auth.claims[scope]', values: ['orders:write'] }] }, { to: [{ operation: { methods: ['GET'] } }] }] },
          { name: 'no-admin', namespace: 'shop', action: 'DENY', rules: [{ to: [{ operation: { paths: ['/admin/*'] } }] }] },
        ],
      },
    },
  } as never);
});
afterAll(async () => {
  await proxy.close();
  await app.close();
});

describe('inbound JWT + authorization', () => {
  it('401 Jwt is missing with www-authenticate when a token is required', async () => {
    const r = await send(proxy.inbound, 'orders', '/orders');
    expect(r.status).toBe(401);
    expect(r.body).toBe('Jwt is missing');
    expect(r.headers['www-authenticate']).toBe('Bearer realm="http://orders/orders"');
  });

  it('401 with error="invalid_token" for an invalid token', async () => {
    const r = await send(proxy.inbound, 'orders', '/orders', { headers: { authorization: 'Bearer a.b.c' } });
    expect(r.status).toBe(401);
    expect(r.body).toMatch(/^Jwt is not in the form/);
    expect(r.headers['www-authenticate']).toContain('error="invalid_token"');
  });

  it('forwards a valid token\'s request without the token and with the claim header', async () => {
    const r = await send(proxy.inbound, 'orders', '/orders/1', { headers: { authorization: `Bearer ${await sign({})}`, 'x-user': 'mallory' } });
    expect(r.status).toBe(200);
    const seen = json(r).headers as Record<string, string>;
    expect(seen.authorization).toBeUndefined();
    expect(seen['x-user']).toBe('alice');
  });

  it('403 for an authenticated but unauthorized request, naming the policy; DENY wins', async () => {
    const noScope = await send(proxy.inbound, 'orders', '/orders', { method: 'POST', body: '{}', headers: { authorization: `Bearer ${await sign({})}` } });
    expect(noScope.status).toBe(403);
    expect(noScope.body).toBe('RBAC: access denied (matched policy none)');
    const writer = await send(proxy.inbound, 'orders', '/orders', { method: 'POST', body: '{}', headers: { authorization: `Bearer ${await sign({ scope: 'orders:write' })}` } });
    expect(writer.status).toBe(200);
    const admin = await send(proxy.inbound, 'orders', '/orders/../admin/x', { headers: { authorization: `Bearer ${await sign({})}` } });
    expect(admin.status).toBe(403);
    expect(admin.body).toContain('ns[shop]-policy[no-admin]-rule[0]');
    expect(admin.headers['x-weft-denied-by']).toBe('ns[shop]-policy[no-admin]-rule[0]');
    const m = await metricsText(proxy.admin);
    expect(requestsTotal(m, 'response_code="403"', 'response_flags="-"')).toBe(2);
    expect(requestsTotal(m, 'response_code="401"')).toBe(2);
    expect(m).toMatch(/weft_proxy_authz_denied_total 2\b/);
  });
});
