import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProxyConfig, parseProxyConfig, parseProxyConfigText, toJsonPath } from '../../src/proxy/config/load';
import { proxyConfigSchema } from '../../src/proxy/config/schema';
import { renderSchema, SCHEMA_FILE } from '../../src/proxy/config/write-schema';
import { ConfigInvalidError, ConfigReadError } from '../../src/proxy/errors';
import { WeftProxy } from '../../src/proxy/proxy';
import { silentLogger } from '../../src/proxy/log';

const valid = () => ({
  version: 1,
  workload: { service: 'productpage', namespace: 'shop' },
  listeners: { outbound: { port: 15001 }, admin: { port: 15000 } },
  services: [{ name: 'reviews', namespace: 'shop', subsets: [{ name: 'v1', endpoints: [{ address: '10.0.0.1', port: 9080 }] }] }],
  routes: [{ name: 'r', hosts: ['reviews'], action: { type: 'forward', destinations: [{ service: 'reviews', subset: 'v1' }] } }],
});

function issues(doc: unknown): Array<{ path: string; message: string }> {
  try {
    parseProxyConfig(doc);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigInvalidError);
    expect((e as ConfigInvalidError).code).toBe('WEFT_PROXY_CONFIG_INVALID');
    return [...(e as ConfigInvalidError).issues];
  }
  throw new Error('expected the config to be rejected');
}

describe('proxy config', () => {
  it('accepts a valid config and applies defaults', () => {
    const c = parseProxyConfig(valid());
    expect(c.services[0]!.loadBalancer).toEqual({ type: 'round-robin' });
    expect(c.routes[0]!.match).toEqual({});
    expect(c.observability.tracing.samplingPercent).toBe(1);
    expect(c.listeners.admin.host).toBe('127.0.0.1');
  });

  it('reports a wrong type with its exact JSON path', () => {
    const d = valid() as any;
    d.services[0].subsets[0].endpoints[0].port = 'http';
    expect(issues(d)).toContainEqual({ path: '$.services[0].subsets[0].endpoints[0].port', message: 'must be integer' });
  });

  it('reports unknown fields (typos are never ignored)', () => {
    const d = valid() as any;
    d.routes[0].retires = { attempts: 3 };
    expect(issues(d)).toContainEqual({ path: '$.routes[0].retires', message: 'unknown field' });
  });

  it('reports missing required fields and bad enum values', () => {
    const d = valid() as any;
    delete d.workload.namespace;
    d.routes[0].retries = { attempts: 2, retryOn: ['5xx', 'sometimes'] };
    const got = issues(d);
    expect(got).toContainEqual({ path: '$.workload.namespace', message: 'required field is missing' });
    expect(got.some((i) => i.path === '$.routes[0].retries.retryOn[1]')).toBe(true);
  });

  it('reports ranges', () => {
    const d = valid() as any;
    d.routes[0].fault = { abort: { httpStatus: 503, percent: 150 } };
    expect(issues(d)).toContainEqual({ path: '$.routes[0].fault.abort.percent', message: 'must be <= 100' });
  });

  it('checks references between routes and services', () => {
    const d = valid() as any;
    d.routes[0].action.destinations = [{ service: 'reviews', subset: 'v9' }, { service: 'ratings' }];
    d.routes[0].mirror = { service: 'nope' };
    expect(issues(d)).toEqual(
      expect.arrayContaining([
        { path: '$.routes[0].action.destinations[0].subset', message: 'service "reviews" has no subset "v9"' },
        { path: '$.routes[0].action.destinations[1].service', message: 'unknown service "ratings"' },
        { path: '$.routes[0].mirror.service', message: 'unknown service "nope"' },
      ]),
    );
  });

  it('checks regexes, maglev table size and port clashes', () => {
    const d = valid() as any;
    d.routes[0].match = { path: { regex: '(unclosed' } };
    d.services[0].loadBalancer = { type: 'consistent-hash', hashOn: { header: 'x-user' }, algorithm: 'maglev', tableSize: 1000 };
    d.listeners.outbound.port = 15000;
    const got = issues(d);
    expect(got.find((i) => i.path === '$.routes[0].match.path.regex')?.message).toMatch(/invalid regular expression/);
    expect(got).toContainEqual({ path: '$.services[0].loadBalancer.tableSize', message: 'maglev table size must be a prime number (Envoy)' });
    expect(got.some((i) => i.path === '$.listeners.outbound.port' && /15000/.test(i.message))).toBe(true);
  });

  it('rejects text that is not JSON with a clear reason', () => {
    expect(() => parseProxyConfigText('{ "version": 1,', 'f.json')).toThrow(/f\.json: invalid proxy config:\n {2}\$: not valid JSON/);
  });

  it('formats JSON paths', () => {
    expect(toJsonPath('/routes/2/match/headers/x-user')).toBe('$.routes[2].match.headers["x-user"]');
    expect(toJsonPath('', 'version')).toBe('$.version');
  });

  it('the proxy does not start on an invalid file, and says why', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-proxy-'));
    const file = join(dir, 'proxy.json');
    const d = valid() as any;
    d.routes[0].timeoutMs = -5;
    writeFileSync(file, JSON.stringify(d));
    await expect(WeftProxy.start({ configPath: file, logger: silentLogger })).rejects.toMatchObject({
      code: 'WEFT_PROXY_CONFIG_INVALID',
      issues: [{ path: '$.routes[0].timeoutMs', message: 'must be >= 0' }],
    });
    await expect(loadProxyConfig(join(dir, 'missing.json'))).rejects.toBeInstanceOf(ConfigReadError);
  });

  it('applies exactly the defaults of the zod schema (ajv on the committed JSON Schema, every union branch)', () => {
    const sub = (name: string) => ({ name, endpoints: [{ address: '10.0.0.1', port: 9080 }] });
    const svc = (name: string, loadBalancer?: unknown) => ({ name, namespace: 'shop', subsets: [sub('v1')], ...(loadBalancer ? { loadBalancer } : {}) });
    const fwd = { type: 'forward', destinations: [{ service: 'a' }, { service: 'b', subset: 'v1', weight: 0 }] };
    const full = {
      version: 1,
      workload: { service: 'productpage', namespace: 'shop' },
      listeners: {
        inbound: { port: 15006, app: { port: 9080 }, rateLimit: { maxTokens: 5, fillIntervalMs: 1000 }, fault: { abort: { httpStatus: 503 } }, connectionPool: { maxConnections: 3 } },
        outbound: { port: 15001 },
        admin: { port: 15000 },
      },
      services: [
        svc('a'),
        svc('b', { type: 'least-request' }),
        svc('c', { type: 'random' }),
        svc('d', { type: 'consistent-hash', hashOn: { header: 'x-user' } }),
        svc('e', { type: 'consistent-hash', hashOn: { cookie: { name: 'c', ttlMs: 1000 } }, algorithm: 'maglev' }),
        svc('f', { type: 'consistent-hash', hashOn: { sourceIp: true } }),
        { ...svc('g', { type: 'consistent-hash', hashOn: { queryParam: 'tenant' } }), outlierDetection: {}, connectionPool: { maxRequests: 9 } },
      ],
      routes: [
        { name: 'f', hosts: ['a'], match: { path: { prefix: '/x' }, headers: { h: { present: false }, i: { regex: 'a+' } }, query: { q: { exact: 'b' } } }, action: fwd, retries: { attempts: 2 }, mirror: { service: 'c' }, fault: { delay: { fixedDelayMs: 1 } }, cors: { allowOrigins: [{ prefix: 'https://' }] } },
        { name: 'r', match: { path: { prefix: '/old' } }, action: { type: 'redirect', prefixRewrite: '/new' }, rateLimit: { maxTokens: 1, fillIntervalMs: 10 } },
        { name: 'r2', match: { path: { exact: '/o' } }, action: { type: 'redirect', authority: 'x', status: 302 } },
        { name: 'd', match: { path: { regex: '/s.*' } }, action: { type: 'directResponse', status: 200 }, headers: { request: { set: { a: 'b' } } } },
      ],
    };
    const variants = [valid(), full, { ...full, observability: { accessLog: true } }, { ...full, observability: { accessLog: { path: '/tmp/a.log' }, tracing: {} }, limits: { drainTimeoutMs: 5 }, reload: {} }];
    for (const doc of variants) {
      const before = JSON.stringify(doc);
      expect(parseProxyConfig(doc)).toEqual(proxyConfigSchema.parse(doc));
      expect(JSON.stringify(doc)).toBe(before); // the caller's document is not modified
    }
  });

  it('the committed JSON Schema is the one generated from zod', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(renderSchema());
  });
});
