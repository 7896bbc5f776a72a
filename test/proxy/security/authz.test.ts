import { describe, expect, it } from 'vitest';
import { authorizationSchema, type AuthzPolicyConfig } from '../../../src/proxy/config/security-schema';
import { Authorizer, claimValues, type AuthzRequest } from '../../../src/proxy/security/authz';
import { remoteAddress } from '../../../src/proxy/security/client-address';
import { normalizePath } from '../../../src/proxy/security/path-normalize';

const FRONT = 'cluster.local/ns/web/sa/frontend';
const BATCH = 'cluster.local/ns/jobs/sa/batch';

function request(over: Partial<AuthzRequest> & { headers?: Record<string, string> } = {}): AuthzRequest {
  const headers = over.headers ?? {};
  return {
    principal: FRONT,
    peerAddress: '10.1.2.3',
    port: 8080,
    method: 'GET',
    path: '/api/items',
    host: 'orders.shop.svc.cluster.local',
    jwt: null,
    header: (n) => headers[n],
    ...over,
  };
}

function engine(policies: Array<Omit<AuthzPolicyConfig, 'namespace' | 'rules'> & { rules?: AuthzPolicyConfig['rules'] }>, trustedXffHops = 0): Authorizer {
  return new Authorizer(authorizationSchema.parse({ policies: policies.map((p) => ({ namespace: 'shop', ...p })), trustedXffHops }));
}

const allow = (rules: AuthzPolicyConfig['rules'], name = 'allow') => ({ name, action: 'ALLOW' as const, rules });
const deny = (rules: AuthzPolicyConfig['rules'], name = 'deny') => ({ name, action: 'DENY' as const, rules });
const jwt = (claims: Record<string, unknown>) => ({ principal: `${claims.iss}/${claims.sub}`, claims });

type Case = [title: string, policies: Parameters<typeof engine>[0], req: Partial<AuthzRequest> & { headers?: Record<string, string> }, allowed: boolean, policy?: string, hops?: number];

const cases: Case[] = [
  // principals
  ['no policy at all allows', [], {}, true, 'none'],
  ['ALLOW exact principal matches', [allow([{ from: [{ source: { principals: [FRONT] } }] }])], {}, true, 'ns[shop]-policy[allow]-rule[0]'],
  ['ALLOW exact principal, other caller: deny-by-default', [allow([{ from: [{ source: { principals: [FRONT] } }] }])], { principal: BATCH }, false, 'none'],
  ['principal prefix wildcard', [allow([{ from: [{ source: { principals: ['cluster.local/ns/web/*'] } }] }])], {}, true],
  ['principal suffix wildcard', [allow([{ from: [{ source: { principals: ['*/sa/frontend'] } }] }])], {}, true],
  ['principal "*" needs an authenticated peer', [allow([{ from: [{ source: { principals: ['*'] } }] }])], { principal: '' }, false],
  ['notPrincipals excludes a caller', [allow([{ from: [{ source: { notPrincipals: [BATCH] } }] }])], { principal: BATCH }, false],
  ['notPrincipals "*" matches plaintext callers only', [deny([{ from: [{ source: { notPrincipals: ['*'] } }] }])], { principal: '' }, false, 'ns[shop]-policy[deny]-rule[0]'],
  // namespaces
  ['namespace from the peer identity', [allow([{ from: [{ source: { namespaces: ['web'] } }] }])], {}, true],
  ['namespace mismatch', [allow([{ from: [{ source: { namespaces: ['web'] } }] }])], { principal: BATCH }, false],
  ['notNamespaces', [deny([{ from: [{ source: { notNamespaces: ['web', 'shop'] } }] }])], { principal: BATCH }, false],
  ['a plaintext peer has no namespace', [allow([{ from: [{ source: { namespaces: ['web'] } }] }])], { principal: '' }, false],
  // ipBlocks / remoteIpBlocks
  ['ipBlocks CIDR match', [allow([{ from: [{ source: { ipBlocks: ['10.1.0.0/16'] } }] }])], {}, true],
  ['ipBlocks bare address mismatch', [allow([{ from: [{ source: { ipBlocks: ['10.1.2.4'] } }] }])], {}, false],
  ['ipBlocks matches an IPv4-mapped IPv6 peer', [allow([{ from: [{ source: { ipBlocks: ['10.1.2.0/24'] } }] }])], { peerAddress: '::ffff:10.1.2.3' }, true],
  ['ipBlocks IPv6', [allow([{ from: [{ source: { ipBlocks: ['fd00::/8'] } }] }])], { peerAddress: 'fd00::5' }, true],
  ['notIpBlocks', [deny([{ from: [{ source: { notIpBlocks: ['10.0.0.0/8'] } }] }])], { peerAddress: '192.168.1.1' }, false],
  ['remoteIpBlocks ignores x-forwarded-for without trusted hops', [allow([{ from: [{ source: { remoteIpBlocks: ['203.0.113.0/24'] } }] }])], { headers: { 'x-forwarded-for': '203.0.113.7' } }, false],
  ['remoteIpBlocks with 1 trusted hop takes the last XFF entry', [allow([{ from: [{ source: { remoteIpBlocks: ['203.0.113.0/24'] } }] }])], { headers: { 'x-forwarded-for': '198.51.100.1, 203.0.113.7' } }, true, undefined, 1],
  ['remoteIpBlocks with 1 trusted hop does not trust a spoofed left entry', [allow([{ from: [{ source: { remoteIpBlocks: ['198.51.100.0/24'] } }] }])], { headers: { 'x-forwarded-for': '198.51.100.1, 203.0.113.7' } }, false, undefined, 1],
  ['notRemoteIpBlocks DENY', [deny([{ from: [{ source: { notRemoteIpBlocks: ['203.0.113.0/24'] } }] }])], { headers: { 'x-forwarded-for': '192.0.2.1' } }, false, undefined, 1],
  // JWT claims and request principals
  ['requestPrincipals "*" needs a verified token', [allow([{ from: [{ source: { requestPrincipals: ['*'] } }] }])], {}, false],
  ['requestPrincipals exact iss/sub', [allow([{ from: [{ source: { requestPrincipals: ['https://idp/alice'] } }] }])], { jwt: jwt({ iss: 'https://idp', sub: 'alice' }) }, true],
  ['claim value match', [allow([{ when: [{ key: 'request.auth.claims[scope]', values: ['orders:write'] }] }])], { jwt: jwt({ iss: 'i', sub: 's', scope: 'orders:write' }) }, true],
  ['claim list: any element', [allow([{ when: [{ key: 'request.auth.claims[groups]', values: ['admins'] }] }])], { jwt: jwt({ iss: 'i', sub: 's', groups: ['dev', 'admins'] }) }, true],
  ['nested claim', [allow([{ when: [{ key: 'request.auth.claims[realm][role]', values: ['gold'] }] }])], { jwt: jwt({ iss: 'i', sub: 's', realm: { role: 'gold' } }) }, true],
  ['nested claim mismatch', [allow([{ when: [{ key: 'request.auth.claims[realm][role]', values: ['gold'] }] }])], { jwt: jwt({ iss: 'i', sub: 's', realm: { role: 'silver' } }) }, false],
  ['claim condition without a token', [allow([{ when: [{ key: 'request.auth.claims[scope]', values: ['x'] }] }])], {}, false],
  ['claim notValues', [deny([{ when: [{ key: 'request.auth.claims[scope]', notValues: ['orders:write'] }] }])], { jwt: jwt({ iss: 'i', sub: 's', scope: 'orders:read' }) }, false],
  // methods, paths, ports, hosts
  ['method match', [allow([{ to: [{ operation: { methods: ['GET', 'HEAD'] } }] }])], {}, true],
  ['method mismatch', [allow([{ to: [{ operation: { methods: ['POST'] } }] }])], {}, false],
  ['notMethods DENY', [deny([{ to: [{ operation: { notMethods: ['GET'] } }] }])], { method: 'DELETE' }, false],
  ['path exact', [allow([{ to: [{ operation: { paths: ['/api/items'] } }] }])], { path: '/api/items?x=1' }, true],
  ['path prefix', [allow([{ to: [{ operation: { paths: ['/api/*'] } }] }])], {}, true],
  ['path suffix', [allow([{ to: [{ operation: { paths: ['*.json'] } }] }])], { path: '/x/y.json' }, true],
  ['path normalized before matching: dot segments cannot escape a DENY', [deny([{ to: [{ operation: { paths: ['/admin/*'] } }] }])], { path: '/public/../admin/users' }, false],
  ['path normalized: percent-encoded dots', [deny([{ to: [{ operation: { paths: ['/admin/*'] } }] }])], { path: '/public/%2e%2e/admin/x' }, false],
  ['path normalized: backslash', [deny([{ to: [{ operation: { paths: ['/admin/*'] } }] }])], { path: '/public\\..\\admin\\x' }, false],
  ['notPaths', [allow([{ to: [{ operation: { notPaths: ['/internal/*'] } }] }])], { path: '/internal/x' }, false],
  ['port match', [allow([{ to: [{ operation: { ports: [8080] } }] }])], {}, true],
  ['port mismatch', [allow([{ to: [{ operation: { ports: [9090] } }] }])], {}, false],
  ['notPorts', [deny([{ to: [{ operation: { notPorts: [8080] } }] }])], { port: 15000 }, false],
  ['hosts, case-insensitive, port ignored', [allow([{ to: [{ operation: { hosts: ['Orders.shop.svc.cluster.local'] } }] }])], { host: 'orders.shop.svc.cluster.local:8080' }, true],
  ['hosts wildcard', [allow([{ to: [{ operation: { hosts: ['*.example.com'] } }] }])], { host: 'api.example.com' }, true],
  // combination semantics
  ['DENY wins over a matching ALLOW', [allow([{}], 'everyone'), deny([{ from: [{ source: { principals: [FRONT] } }] }], 'no-frontend')], {}, false, 'ns[shop]-policy[no-frontend]-rule[0]'],
  ['DENY that does not match, ALLOW that does', [allow([{}], 'everyone'), deny([{ from: [{ source: { principals: [BATCH] } }] }])], {}, true, 'ns[shop]-policy[everyone]-rule[0]'],
  ['only DENY policies: unmatched requests pass', [deny([{ to: [{ operation: { methods: ['DELETE'] } }] }])], {}, true, 'none'],
  ['allow-nothing (ALLOW without rules) denies everything', [allow([], 'allow-nothing')], {}, false, 'none'],
  ['allow-nothing plus a matching ALLOW', [allow([], 'allow-nothing'), allow([{ from: [{ source: { principals: [FRONT] } }] }], 'callers')], {}, true, 'ns[shop]-policy[callers]-rule[0]'],
  ['fields within a source are ANDed', [allow([{ from: [{ source: { principals: [FRONT], ipBlocks: ['192.168.0.0/16'] } }] }])], {}, false],
  ['sources are ORed', [allow([{ from: [{ source: { principals: [BATCH] } }, { source: { ipBlocks: ['10.0.0.0/8'] } }] }])], {}, true],
  ['from, to and when are ANDed', [allow([{ from: [{ source: { principals: [FRONT] } }], to: [{ operation: { methods: ['POST'] } }] }])], {}, false],
  ['second rule matches and is named', [allow([{ to: [{ operation: { methods: ['POST'] } }] }, { to: [{ operation: { methods: ['GET'] } }] }])], {}, true, 'ns[shop]-policy[allow]-rule[1]'],
  ['empty rule matches everything', [allow([{}])], { principal: '' }, true],
  ['header condition', [allow([{ when: [{ key: 'request.headers[x-tenant]', values: ['acme'] }] }])], { headers: { 'x-tenant': 'acme' } }, true],
  ['source.ip condition with CIDR', [allow([{ when: [{ key: 'source.ip', values: ['10.0.0.0/8'] }] }])], {}, true],
];

describe('authorization engine (Istio semantics)', () => {
  it('has a matrix of at least 30 cases', () => expect(cases.length).toBeGreaterThanOrEqual(30));
  it.each(cases)('%s', (_title, policies, req, allowed, policy, hops) => {
    const decision = engine(policies, hops ?? 0).check(request(req));
    expect(decision.allowed).toBe(allowed);
    if (policy !== undefined) expect(decision.policy).toBe(policy);
  });

  it('rejects a malformed CIDR at compile time with a typed error', () => {
    expect(() => engine([allow([{ from: [{ source: { ipBlocks: ['10.0.0.0/33'] } }] }])])).toThrow(expect.objectContaining({ code: 'WEFT_PROXY_INVALID_CIDR' }));
    expect(() => engine([allow([{ from: [{ source: { ipBlocks: ['not-an-ip'] } }] }])])).toThrow(expect.objectContaining({ code: 'WEFT_PROXY_INVALID_CIDR' }));
  });
});

describe('path normalization (Istio BASE)', () => {
  it.each([
    ['/a/./b/../c', '/a/c'],
    ['/a/b/..', '/a/'],
    ['/../../x', '/x'],
    ['/a/%2E%2e/b', '/b'],
    ['/%61dmin', '/admin'],
    ['/a%2fb', '/a%2Fb'],
    ['/a\\b', '/a/b'],
    ['/x?y=/../z', '/x'],
    ['relative', '/relative'],
  ])('%s → %s', (input, out) => expect(normalizePath(input)).toBe(out));
  it('merges slashes when asked (MERGE_SLASHES)', () => expect(normalizePath('//a///b', true)).toBe('/a/b'));
});

describe('client address (Envoy xff_num_trusted_hops)', () => {
  it('appends the peer and skips trusted hops from the right', () => {
    expect(remoteAddress('203.0.113.128', '192.0.2.10, 198.51.100.1', 1)).toBe('198.51.100.1');
    expect(remoteAddress('203.0.113.128', '192.0.2.10, 198.51.100.1', 2)).toBe('192.0.2.10');
    expect(remoteAddress('203.0.113.128', '192.0.2.10, 198.51.100.1', 0)).toBe('203.0.113.128');
    expect(remoteAddress('203.0.113.128', '192.0.2.10', 5)).toBe('203.0.113.128');
  });
  it('reads nested and list claims', () => {
    expect(claimValues({ a: { b: ['x', 1, { c: 1 }] } }, ['a', 'b'])).toEqual(['x', '1']);
    expect(claimValues({ a: 'x' }, ['a', 'b'])).toEqual([]);
  });
});
