import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, jwtVerify, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { jwtRuleSchema } from '../../../src/proxy/config/security-schema';
import { RemoteKeySet } from '../../../src/proxy/security/jwks';
import { JwtAuthenticator, wwwAuthenticate, type JwtOutcome } from '../../../src/proxy/security/jwt';

const ISS = 'https://idp.test';
let rsa: { privateKey: CryptoKey; publicKey: CryptoKey };
let rsa2: { privateKey: CryptoKey; publicKey: CryptoKey };
let es: { privateKey: CryptoKey; publicKey: CryptoKey };
let jwks: string;

async function jwk(key: CryptoKey, kid: string, alg: string): Promise<JWK> {
  return { ...(await exportJWK(key)), kid, alg, use: 'sig' };
}

const now = () => Math.floor(Date.now() / 1000);

function token(claims: Record<string, unknown>, opts: { key?: CryptoKey; kid?: string; alg?: string } = {}): Promise<string> {
  return new SignJWT({ sub: 'alice', ...claims })
    .setProtectedHeader({ alg: opts.alg ?? 'RS256', kid: opts.kid ?? 'k1' })
    .setIssuer((claims.iss as string) ?? ISS)
    .setIssuedAt()
    .setExpirationTime((claims.exp as number) ?? now() + 600)
    .sign(opts.key ?? rsa.privateKey);
}

function rule(over: Record<string, unknown> = {}) {
  return jwtRuleSchema.parse({ name: 'idp', issuer: ISS, jwks, audiences: ['orders'], ...over });
}

function req(headers: string[] = [], path = '/orders') {
  return { headers, path };
}

const bearer = (t: string) => ['authorization', `Bearer ${t}`];
const rejection = (o: JwtOutcome) => (o.kind === 'rejected' ? o.error.reason : o.kind);

beforeAll(async () => {
  rsa = await generateKeyPair('RS256');
  rsa2 = await generateKeyPair('RS256');
  es = await generateKeyPair('ES256');
  jwks = JSON.stringify({ keys: [await jwk(rsa.publicKey, 'k1', 'RS256'), await jwk(es.publicKey, 'e1', 'ES256')] });
});

describe('JWT verification (inline JWKS)', () => {
  it('accepts a valid token, strips it, copies claims (nested too) to headers and removes forged claim headers', async () => {
    const auth = new JwtAuthenticator([rule({ outputClaimToHeaders: [{ header: 'x-tier', claim: 'plan.tier' }, { header: 'x-sub', claim: 'sub' }] })]);
    const r = req([...bearer(await token({ aud: 'orders', plan: { tier: 'gold' } })), 'x-tier', 'forged']);
    const o = await auth.authenticate(r);
    expect(o).toMatchObject({ kind: 'verified', principal: `${ISS}/alice` });
    expect(r.headers).toEqual(['x-tier', 'gold', 'x-sub', 'alice']);
  });

  it('keeps the token with forwardOriginalToken', async () => {
    const auth = new JwtAuthenticator([rule({ forwardOriginalToken: true })]);
    const r = req(bearer(await token({ aud: 'orders' })));
    expect((await auth.authenticate(r)).kind).toBe('verified');
    expect(r.headers[0]).toBe('authorization');
  });

  it('reads a header with a custom prefix, a query parameter and a cookie, and strips each', async () => {
    const t = await token({ aud: 'orders' });
    const auth = new JwtAuthenticator([rule({ fromHeaders: [{ name: 'x-jwt', prefix: 'Token ' }], fromParams: ['jwt'], fromCookies: ['session'] })]);
    const h = req(['x-jwt', `Token ${t}`]);
    expect((await auth.authenticate(h)).kind).toBe('verified');
    expect(h.headers).toEqual([]);
    const q = req([], `/orders?a=1&jwt=${t}`);
    expect((await auth.authenticate(q)).kind).toBe('verified');
    expect(q.path).toBe('/orders?a=1');
    const c = req(['cookie', `theme=dark; session=${t}`]);
    expect((await auth.authenticate(c)).kind).toBe('verified');
    expect(c.headers).toEqual(['cookie', 'theme=dark']);
    // The default locations are not used once locations are declared.
    expect((await auth.authenticate(req(bearer(t)))).kind).toBe('none');
  });

  it('uses authorization: Bearer and ?access_token= by default', async () => {
    const t = await token({ aud: 'orders' });
    const auth = new JwtAuthenticator([rule()]);
    expect((await auth.authenticate(req([], `/x?access_token=${t}`))).kind).toBe('verified');
  });

  it('passes a request without a token as unauthenticated', async () => {
    expect((await new JwtAuthenticator([rule()]).authenticate(req())).kind).toBe('none');
  });

  describe('rejects', () => {
    it('alg: none', async () => {
      const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ iss: ISS, sub: 'alice', aud: 'orders', exp: now() + 600 })}.`;
      expect(rejection(await new JwtAuthenticator([rule()]).authenticate(req(bearer(unsigned))))).toBe('alg is not allowed');
    });
    it('an algorithm the rule does not allow (HS256 by default; RS256 when only ES256 is allowed)', async () => {
      const hs = await new SignJWT({ sub: 'a', aud: 'orders' }).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).setIssuer(ISS).setExpirationTime(now() + 60).sign(new TextEncoder().encode('x'.repeat(32)));
      expect(rejection(await new JwtAuthenticator([rule()]).authenticate(req(bearer(hs))))).toBe('alg is not allowed');
      const rs = await token({ aud: 'orders' });
      expect(rejection(await new JwtAuthenticator([rule({ algorithms: ['ES256'] })]).authenticate(req(bearer(rs))))).toBe('alg is not allowed');
      const esTok = await token({ aud: 'orders' }, { key: es.privateKey, kid: 'e1', alg: 'ES256' });
      expect((await new JwtAuthenticator([rule({ algorithms: ['ES256'] })]).authenticate(req(bearer(esTok)))).kind).toBe('verified');
    });
    it('an expired token, beyond the clock skew only', async () => {
      const auth = new JwtAuthenticator([rule({ clockSkewMs: 30_000 })]);
      expect(rejection(await auth.authenticate(req(bearer(await token({ aud: 'orders', exp: now() - 120 })))))).toBe('is expired');
      expect((await auth.authenticate(req(bearer(await token({ aud: 'orders', exp: now() - 10 }))))).kind).toBe('verified');
    });
    it('a token not yet valid (nbf), beyond the clock skew only', async () => {
      const auth = new JwtAuthenticator([rule({ clockSkewMs: 30_000 })]);
      expect(rejection(await auth.authenticate(req(bearer(await token({ aud: 'orders', nbf: now() + 120 })))))).toBe('not yet valid');
      expect((await auth.authenticate(req(bearer(await token({ aud: 'orders', nbf: now() + 10 }))))).kind).toBe('verified');
    });
    it('a wrong issuer', async () => {
      expect(rejection(await new JwtAuthenticator([rule()]).authenticate(req(bearer(await token({ aud: 'orders', iss: 'https://evil.test' })))))).toBe('issuer is not configured');
    });
    it('a wrong audience', async () => {
      expect(rejection(await new JwtAuthenticator([rule()]).authenticate(req(bearer(await token({ aud: 'payments' })))))).toBe('audiences in Jwt are not allowed');
    });
    it('a bad signature (payload changed after signing; signed by another key with the same kid)', async () => {
      const [h, , s] = (await token({ aud: 'orders' })).split('.');
      const forged = `${h}.${Buffer.from(JSON.stringify({ iss: ISS, sub: 'mallory', aud: 'orders', exp: now() + 600 })).toString('base64url')}.${s}`;
      const auth = new JwtAuthenticator([rule()]);
      expect(rejection(await auth.authenticate(req(bearer(forged))))).toBe('verification fails');
      expect(rejection(await auth.authenticate(req(bearer(await token({ aud: 'orders' }, { key: rsa2.privateKey })))))).toBe('verification fails');
    });
    it('a malformed token', async () => {
      const auth = new JwtAuthenticator([rule()]);
      for (const bad of ['abc', 'a.b', 'a.b.c', '!!.??.**', `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.bm90anNvbg.sig`]) {
        expect(rejection(await auth.authenticate(req(bearer(bad)))), bad).toBe('is not in the form of Header.Payload.Signature');
      }
    });
  });

  it('caches a verified token, but never past its exp (with the clock skew)', async () => {
    const auth = new JwtAuthenticator([rule({ clockSkewMs: 1000 })]);
    const t = await token({ aud: 'orders', exp: now() + 30 });
    expect((await auth.authenticate(req(bearer(t)))).kind).toBe('verified');
    expect((await auth.authenticate(req(bearer(t)))).kind).toBe('verified');
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 40_000);
      expect(rejection(await auth.authenticate(req(bearer(t))))).toBe('is expired');
    } finally {
      vi.useRealTimers();
    }
  });

  it('builds the www-authenticate value of Envoy', () => {
    expect(wwwAuthenticate('orders:8080', '/a?b=1', false)).toBe('Bearer realm="http://orders:8080/a"');
    expect(wwwAuthenticate('orders', '/a', true)).toBe('Bearer realm="http://orders/a", error="invalid_token"');
  });
});

describe('JWKS from a URI over loopback HTTP', () => {
  let server: Server;
  let uri: string;
  let served: string;
  let mode: 'ok' | 'error' | 'hang' = 'ok';
  let hits = 0;
  const hung: Array<() => void> = [];

  beforeAll(async () => {
    served = JSON.stringify({ keys: [await jwk(rsa.publicKey, 'k1', 'RS256')] });
    server = createServer((_req, res) => {
      hits++;
      if (mode === 'hang') return void hung.push(() => res.destroy());
      if (mode === 'error') return void res.writeHead(503).end('down');
      res.writeHead(200, { 'content-type': 'application/json' }).end(served);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });
  afterAll(async () => {
    for (const f of hung) f();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('picks up a rotated key set on the background refresh and drops the retired key', async () => {
    mode = 'ok';
    served = JSON.stringify({ keys: [await jwk(rsa.publicKey, 'k1', 'RS256')] });
    const auth = new JwtAuthenticator([jwtRuleSchema.parse({ name: 'idp', issuer: ISS, jwksUri: uri, jwksCacheMs: 100 })]);
    try {
      await auth.ready();
      expect((await auth.authenticate(req(bearer(await token({}))))).kind).toBe('verified');
      served = JSON.stringify({ keys: [await jwk(rsa2.publicKey, 'k2', 'RS256')] });
      const fetches = auth.keySetStats()[0]!.fetches;
      await waitFor(() => auth.keySetStats()[0]!.fetches >= fetches + 2);
      expect((await auth.authenticate(req(bearer(await token({}, { key: rsa2.privateKey, kid: 'k2' })))))).toMatchObject({ kind: 'verified' });
      expect(rejection(await auth.authenticate(req(bearer(await token({})))))).toBe('verification fails');
    } finally {
      auth.close();
    }
  });

  it('refreshes once on an unknown key id, at most once per cooldown', async () => {
    mode = 'ok';
    served = JSON.stringify({ keys: [await jwk(rsa.publicKey, 'k1', 'RS256')] });
    const keys = new RemoteKeySet({ uri, refreshMs: 3_600_000, timeoutMs: 2_000, cooldownMs: 0 });
    try {
      await keys.ready();
      served = JSON.stringify({ keys: [await jwk(rsa2.publicKey, 'k2', 'RS256')] });
      const before = hits;
      expect(await keys.refreshOnMiss()).toBe(true);
      expect(hits).toBe(before + 1);
      const { payload } = await jwtVerify(await token({}, { key: rsa2.privateKey, kid: 'k2' }), keys.keys()!);
      expect(payload.sub).toBe('alice');
    } finally {
      keys.close();
    }
    const slow = new RemoteKeySet({ uri, refreshMs: 3_600_000, timeoutMs: 2_000, cooldownMs: 3_600_000 });
    try {
      await slow.ready();
      const before = hits;
      expect(await slow.refreshOnMiss()).toBe(false);
      expect(hits).toBe(before);
    } finally {
      slow.close();
    }
  });

  it('keeps the last good keys through an outage of the URI, with a bounded fetch timeout', async () => {
    mode = 'ok';
    served = JSON.stringify({ keys: [await jwk(rsa.publicKey, 'k1', 'RS256')] });
    const errors: string[] = [];
    const auth = new JwtAuthenticator([jwtRuleSchema.parse({ name: 'idp', issuer: ISS, jwksUri: uri, jwksCacheMs: 50, jwksFetchTimeoutMs: 200 })], (e) => errors.push(e.code));
    try {
      await auth.ready();
      mode = 'error';
      await waitFor(() => auth.keySetStats()[0]!.failures >= 2);
      expect((await auth.authenticate(req(bearer(await token({}))))).kind).toBe('verified');
      mode = 'hang';
      const failures = auth.keySetStats()[0]!.failures;
      // A hanging JWKS endpoint costs at most the fetch timeout per refresh; verification is never blocked on it.
      await waitFor(() => auth.keySetStats()[0]!.failures > failures);
      expect(auth.keySetStats()[0]!.lastError).toMatch(/abort|timeout/i);
      const t0 = performance.now();
      expect((await auth.authenticate(req(bearer(await token({}))))).kind).toBe('verified');
      expect(performance.now() - t0).toBeLessThan(5_000);
      expect(errors.every((c) => c === 'WEFT_PROXY_JWKS_FETCH')).toBe(true);
    } finally {
      auth.close();
      mode = 'ok';
    }
  });

  it('rejects with "JWKS unavailable" when the URI never answered', async () => {
    mode = 'error';
    const auth = new JwtAuthenticator([jwtRuleSchema.parse({ name: 'idp', issuer: ISS, jwksUri: uri, jwksFetchTimeoutMs: 200 })]);
    try {
      await auth.ready();
      expect(rejection(await auth.authenticate(req(bearer(await token({})))))).toBe('JWKS unavailable');
    } finally {
      auth.close();
      mode = 'ok';
    }
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
