import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, send, sleep, startProxy, type TestProxy } from './helpers/proxy';
import { startUpstream, type Upstream } from './helpers/upstream';

let v1: Upstream, v2: Upstream, mirror: Upstream, slowMirror: Upstream;
let p: TestProxy;

const ep = (u: Upstream) => ({ address: '127.0.0.1', port: u.port });
const to = (subset: string) => ({ type: 'forward' as const, destinations: [{ service: 'reviews', subset }] });

beforeAll(async () => {
  [v1, v2, mirror, slowMirror] = await Promise.all([startUpstream('v1'), startUpstream('v2'), startUpstream('mirror'), startUpstream('slow-mirror')]);
  p = await startProxy({
    listeners: { outbound: { port: 0 }, admin: { port: 0 } },
    services: [
      { name: 'reviews', namespace: 'shop', subsets: [{ name: 'v1', endpoints: [ep(v1)] }, { name: 'v2', endpoints: [ep(v2)] }] },
      { name: 'shadow', namespace: 'shop', subsets: [{ name: 'm', endpoints: [ep(mirror)] }, { name: 'slow', endpoints: [ep(slowMirror)] }] },
    ],
    routes: [
      { name: 'exact', hosts: ['reviews'], match: { path: { exact: '/exact' } }, action: to('v2') },
      { name: 'regex', hosts: ['reviews'], match: { path: { regex: '/items/[0-9]+' } }, action: to('v2') },
      { name: 'method', hosts: ['reviews'], match: { path: { prefix: '/m/' }, methods: ['DELETE'] }, action: to('v2') },
      { name: 'jason', hosts: ['reviews'], match: { headers: { 'end-user': { exact: 'jason' } } }, action: to('v2') },
      { name: 'beta', hosts: ['reviews'], match: { headers: { 'x-beta': { present: true }, 'x-legacy': { present: false } } }, action: to('v2') },
      { name: 'agent', hosts: ['reviews'], match: { headers: { 'user-agent': { regex: '.*Firefox.*' } } }, action: to('v2') },
      { name: 'query', hosts: ['reviews'], match: { query: { variant: { exact: 'b' } } }, action: to('v2') },
      { name: 'first', hosts: ['reviews'], match: { path: { prefix: '/order' } }, action: { type: 'directResponse', status: 200, body: 'first' } },
      { name: 'second', hosts: ['reviews'], match: { path: { prefix: '/order' } }, action: { type: 'directResponse', status: 200, body: 'second' } },
      {
        name: 'rewrite',
        hosts: ['reviews'],
        match: { path: { prefix: '/api/v1/' } },
        rewrite: { uri: '/v2/', authority: 'reviews.internal' },
        action: to('v1'),
      },
      {
        name: 'redirect',
        hosts: ['reviews'],
        match: { path: { prefix: '/old/' } },
        action: { type: 'redirect', prefixRewrite: '/new/', authority: 'example.com', scheme: 'https', status: 308 },
      },
      {
        name: 'teapot',
        hosts: ['reviews'],
        match: { path: { exact: '/teapot' } },
        action: { type: 'directResponse', status: 418, body: 'short and stout', headers: { 'x-tea': 'earl grey' } },
      },
      {
        name: 'headers',
        hosts: ['reviews'],
        match: { path: { prefix: '/hdr' } },
        headers: {
          request: { set: { 'x-env': 'prod' }, add: { 'x-trail': 'proxy' }, remove: ['x-secret'] },
          response: { set: { 'x-served-by': 'weft' }, add: { 'x-extra': '1' }, remove: ['x-upstream'] },
        },
        action: to('v1'),
      },
      {
        name: 'cors',
        hosts: ['reviews'],
        match: { path: { prefix: '/cors' } },
        cors: { allowOrigins: [{ exact: 'https://shop.example' }, { regex: 'https://.*\\.dev\\.example' }], allowMethods: ['GET', 'POST'], allowHeaders: ['x-token'], exposeHeaders: ['x-upstream'], maxAgeMs: 600_000, allowCredentials: true },
        action: to('v1'),
      },
      { name: 'mirror', hosts: ['reviews'], match: { path: { prefix: '/mirror' } }, mirror: { service: 'shadow', subset: 'm', percent: 100 }, action: to('v1') },
      { name: 'mirror-slow', hosts: ['reviews'], match: { path: { prefix: '/slowmirror' } }, mirror: { service: 'shadow', subset: 'slow' }, action: to('v1') },
      { name: 'split', hosts: ['reviews'], match: { path: { prefix: '/split' } }, action: { type: 'forward', destinations: [{ service: 'reviews', subset: 'v1', weight: 20 }, { service: 'reviews', subset: 'v2', weight: 80 }] } },
      { name: 'wild', hosts: ['*.example.org'], action: to('v2') },
      { name: 'default', hosts: ['reviews', 'reviews:9080'], action: to('v1') },
    ],
  });
});

afterAll(async () => {
  await p.close();
  await Promise.all([v1, v2, mirror, slowMirror].map((u) => u.close()));
});

const upstreamOf = async (host: string, path: string, o: Parameters<typeof send>[3] = {}) => (await send(p.outbound, host, path, o)).headers['x-upstream'];

describe('routing', () => {
  it('matches path exact, prefix and (anchored) regex', async () => {
    expect(await upstreamOf('reviews', '/exact')).toBe('v2');
    expect(await upstreamOf('reviews', '/exact/more')).toBe('v1');
    expect(await upstreamOf('reviews', '/items/42')).toBe('v2');
    expect(await upstreamOf('reviews', '/items/42/x')).toBe('v1');
  });

  it('matches method, headers (exact, regex, present, absent) and query parameters', async () => {
    expect(await upstreamOf('reviews', '/m/1', { method: 'DELETE' })).toBe('v2');
    expect(await upstreamOf('reviews', '/m/1', { method: 'GET' })).toBe('v1');
    expect(await upstreamOf('reviews', '/', { headers: { 'end-user': 'jason' } })).toBe('v2');
    expect(await upstreamOf('reviews', '/', { headers: { 'end-user': 'jasonx' } })).toBe('v1');
    expect(await upstreamOf('reviews', '/', { headers: { 'x-beta': '' } })).toBe('v2');
    expect(await upstreamOf('reviews', '/', { headers: { 'x-beta': '1', 'x-legacy': '1' } })).toBe('v1');
    expect(await upstreamOf('reviews', '/', { headers: { 'user-agent': 'Mozilla/5.0 Firefox/120' } })).toBe('v2');
    expect(await upstreamOf('reviews', '/p?variant=b&x=1')).toBe('v2');
    expect(await upstreamOf('reviews', '/p?variant=bb')).toBe('v1');
  });

  it('routes by host, including port and wildcard forms, and answers 404 NR otherwise', async () => {
    expect(await upstreamOf('reviews:9080', '/')).toBe('v1');
    expect(await upstreamOf('api.example.org', '/')).toBe('v2');
    const nr = await send(p.outbound, 'unknown.svc', '/');
    expect(nr.status).toBe(404);
    expect(nr.headers['x-weft-response-flags']).toBe('NR');
  });

  it('works as an explicit HTTP proxy (absolute-form request target)', async () => {
    const r = await send(p.outbound, 'reviews', '/exact?x=1', { absolute: true });
    expect(r.headers['x-upstream']).toBe('v2');
    expect(json(r).url).toBe('/exact?x=1');
    expect(json(r).headers.host).toBe('reviews');
  });

  it('first match wins', async () => {
    expect((await send(p.outbound, 'reviews', '/order/1')).body).toBe('first');
  });

  it('rewrites the matched prefix and the authority, keeping the query', async () => {
    const r = json(await send(p.outbound, 'reviews', '/api/v1/users?id=7'));
    expect(r.url).toBe('/v2/users?id=7');
    expect(r.headers.host).toBe('reviews.internal');
    expect(r.headers['x-envoy-original-path']).toBe('/api/v1/users?id=7');
  });

  it('redirects', async () => {
    const r = await send(p.outbound, 'reviews', '/old/page?q=1');
    expect(r.status).toBe(308);
    expect(r.headers.location).toBe('https://example.com/new/page?q=1');
  });

  it('answers direct responses', async () => {
    const r = await send(p.outbound, 'reviews', '/teapot');
    expect([r.status, r.body, r.headers['x-tea']]).toEqual([418, 'short and stout', 'earl grey']);
  });

  it('sets, adds and removes request and response headers', async () => {
    const r = await send(p.outbound, 'reviews', '/hdr', { headers: { 'x-env': 'dev', 'x-trail': 'client', 'x-secret': 's3cr3t' } });
    const got = json(r).headers;
    expect(got['x-env']).toBe('prod');
    expect(got['x-trail']).toBe('client, proxy');
    expect(got['x-secret']).toBeUndefined();
    expect(r.headers['x-served-by']).toBe('weft');
    expect(r.headers['x-extra']).toBe('1');
    expect(r.headers['x-upstream']).toBeUndefined();
  });

  it('answers CORS preflight for allowed origins and decorates actual responses', async () => {
    const before = v1.count();
    const pre = await send(p.outbound, 'reviews', '/cors', { method: 'OPTIONS', headers: { origin: 'https://a.dev.example', 'access-control-request-method': 'POST' } });
    expect(pre.status).toBe(200);
    expect(pre.headers['access-control-allow-origin']).toBe('https://a.dev.example');
    expect(pre.headers['access-control-allow-methods']).toBe('GET,POST');
    expect(pre.headers['access-control-allow-headers']).toBe('x-token');
    expect(pre.headers['access-control-max-age']).toBe('600');
    expect(pre.headers['access-control-allow-credentials']).toBe('true');
    expect(v1.count()).toBe(before); // answered by the proxy

    const actual = await send(p.outbound, 'reviews', '/cors', { headers: { origin: 'https://shop.example' } });
    expect(actual.headers['access-control-allow-origin']).toBe('https://shop.example');
    expect(actual.headers['access-control-expose-headers']).toBe('x-upstream');

    const denied = await send(p.outbound, 'reviews', '/cors', { headers: { origin: 'https://evil.example' } });
    expect(denied.status).toBe(200);
    expect(denied.headers['access-control-allow-origin']).toBeUndefined();
    const deniedPre = await send(p.outbound, 'reviews', '/cors', { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } });
    expect(deniedPre.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('mirrors a copy (Host -shadow, same body) without changing the response', async () => {
    const r = await send(p.outbound, 'reviews', '/mirror/x', { method: 'POST', body: 'payload-123' });
    expect(r.status).toBe(200);
    expect(r.headers['x-upstream']).toBe('v1');
    // The copy travels on its own: wait on its arrival (generous bound for a loaded machine).
    for (let i = 0; i < 1000 && mirror.count() === 0; i++) await sleep(10);
    const copy = mirror.received.at(-1)!;
    expect(copy.headers.host).toBe('reviews-shadow');
    expect(copy.body).toBe('payload-123');
    expect(copy.url).toBe('/mirror/x');
  });

  it('a slow or failing mirror changes neither the response nor its latency', async () => {
    // The mirror answers after MIRROR_DELAY: a response that came sooner did not wait for it.
    // (A causal bound, not a latency budget: a loaded machine cannot push a plain request there.)
    const MIRROR_DELAY = 5000;
    slowMirror.defaultDelay = MIRROR_DELAY;
    const before = slowMirror.count();
    const t = await send(p.outbound, 'reviews', '/slowmirror');
    expect(t.status).toBe(200);
    expect(t.headers['x-upstream']).toBe('v1');
    expect(t.ms).toBeLessThan(MIRROR_DELAY);
    // The copy did arrive at the slow mirror (it is answering it in the background).
    for (let i = 0; i < 1000 && slowMirror.count() === before; i++) await sleep(10);
    expect(slowMirror.count()).toBe(before + 1);
    await slowMirror.close(); // now a dead mirror target: connect failures
    const dead = await send(p.outbound, 'reviews', '/slowmirror');
    expect(dead.status).toBe(200);
    expect(dead.headers['x-weft-response-flags']).toBeUndefined();
    // The failed copy is counted when its connection is refused: wait on that, not on a clock.
    const failed = /weft_proxy_mirror_requests_total\{result="failed"\} [1-9]/;
    for (let i = 0; i < 400 && !failed.test((await send(p.admin, 'x', '/metrics')).body); i++) await sleep(25);
    expect((await send(p.admin, 'x', '/metrics')).body).toMatch(failed);
  });

  it('splits by weight (20/80 within binomial tolerance)', async () => {
    const n = 600;
    let toV1 = 0;
    const agent = new (await import('node:http')).Agent({ keepAlive: true, maxSockets: 20 });
    const replies = await Promise.all(Array.from({ length: n }, () => send(p.outbound, 'reviews', '/split', { agent })));
    agent.destroy();
    for (const r of replies) if (r.headers['x-upstream'] === 'v1') toV1++;
    // mean 120, sd = sqrt(600*.2*.8) ≈ 9.8; ±4 sd
    expect(toV1).toBeGreaterThan(120 - 40);
    expect(toV1).toBeLessThan(120 + 40);
  });
});
