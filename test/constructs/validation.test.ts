import { describe, expect, it } from 'vitest';
import { Mesh } from '../../src/index';

/** Issue 8 §4: bad input is a located diagnostic that names what is wrong. */
const mesh = () => new Mesh('m', { environments: { prod: { mesh: 'istio' } } });
const diagnose = (m: Mesh) => m.toModel().diagnostics.map((d) => ({ code: d.code, message: d.message, field: d.field?.join('.'), line: d.location?.line }));

describe('input validation', () => {
  it('refuses names that are not RFC 1123 labels (WEFT010) and keeps them out of the model', () => {
    const m = mesh();
    const t = m.team('a');
    t.service('a/b', { port: 80, versions: { v1: { image: 'x/a:1' } } });
    t.service('x'.repeat(64), { port: 80, versions: { v1: { image: 'x/a:1' } } });
    t.service('1st', { port: 80, versions: { v1: { image: 'x/a:1' } } });
    m.team('Bad\u0000Team');
    const d = diagnose(m);
    expect(d.map((x) => x.code)).toEqual(['WEFT010', 'WEFT010', 'WEFT010', 'WEFT010']);
    expect(d[0]!.message).toContain('"a/b"');
    expect(d[1]!.message).toContain('64 characters');
    expect(d[2]!.message).toContain('starting with a letter');
    expect(d.every((x) => typeof x.line === 'number')).toBe(true);
    const model = m.toModel().model!;
    expect(model.services.map((x) => x.name)).toEqual([]);
    expect(model.teams.map((x) => x.name)).toEqual(['a']);
  });

  it('names the bad key inside a union prop (not "match: Invalid input")', () => {
    const m = mesh();
    const s = m.team('a').service('s', { port: 80, versions: { v1: { image: 'x/s:1' } } });
    s.route('q', { match: { headers: { 'bad key': 'b' } }, to: s });
    expect(diagnose(m)).toEqual([expect.objectContaining({ code: 'WEFT001', field: 'match.headers.bad key', message: expect.stringContaining('HTTP header name') })]);
  });

  const cases: Array<[string, (m: Mesh) => void, string]> = [
    ['reserved label', (m) => m.team('a').service('s', { port: 80, versions: { v1: { image: 'x/s:1', labels: { app: 'other' } } } }), 'versions.v1.labels.app'],
    ['duplicate port name', (m) => m.team('a').service('s', { ports: [{ port: 80, name: 'http' }, { port: 81, name: 'http' }], versions: { v1: { image: 'x/s:1' } } }), 'ports.1.name'],
    ['relative probe path', (m) => m.team('a').service('s', { port: 80, versions: { v1: { image: 'x/s:1' } }, probes: { readiness: { path: 'healthz' } } }), 'probes.readiness.path'],
    ['negative quantity', (m) => m.team('a').service('s', { port: 80, versions: { v1: { image: 'x/s:1', resources: { requests: { cpu: '-1' } } } } }), 'versions.v1.resources.requests.cpu'],
    ['bad image', (m) => m.team('a').service('s', { port: 80, versions: { v1: { image: 'a b:1' } } }), 'versions.v1.image'],
    ['env name', (m) => m.team('a').service('s', { port: 80, versions: { v1: { image: 'x/s:1', env: { 'A=B': 'x' } } } }), 'versions.v1.env.A=B'],
    ['BigInt config', (m) => m.team('a').service('s', { port: 80, versions: { v1: { image: 'x/s:1' } }, config: { 'a.json': { n: BigInt(1) } } }), 'config.a.json'],
    ['RE2 lookahead', (m) => { const s = m.team('a').service('s', { port: 80, versions: { v1: { image: 'x/s:1' } } }); s.route('r', { match: { path: { regex: '(?=x)' } }, to: s }); }, 'match.path.regex'],
    ['CR/LF header value', (m) => { const s = m.team('a').service('s', { port: 80, versions: { v1: { image: 'x/s:1' } } }); s.route('r', { headers: { request: { set: { 'x-a': 'a\r\nb: c' } } }, to: s }); }, 'headers.request.set.x-a'],
    ['method', (m) => { const s = m.team('a').service('s', { port: 80, versions: { v1: { image: 'x/s:1' } } }); s.route('r', { match: { methods: ['FETCH'] }, to: s }); }, 'match.methods.0'],
    ['fractional weight', (m) => { const s = m.team('a').service('s', { port: 80, versions: { v1: { image: 'x/s:1' } } }); s.route('r', { to: [s.version('v1').weight(50.5)] }); }, 'to.0'],
    ['version twice in a split', (m) => { const s = m.team('a').service('s', { port: 80, versions: { v1: { image: 'x/s:1' } } }); s.route('r', { to: [s.version('v1').weight(50), s.version('v1').weight(50)] }); }, 'to.1'],
    ['huge duration', (m) => m.team('a').service('s', { port: 80, versions: { v1: { image: 'x/s:1' } }, resilience: { timeout: '1000000000000000s' } }), 'resilience.timeout'],
    ['rate-limit interval 0', (m) => m.team('a').service('s', { port: 80, versions: { v1: { image: 'x/s:1' } }, resilience: { rateLimit: { requests: 1, per: '0s' } } }), 'resilience.rateLimit.per'],
    ['http jwksUri', (m) => m.team('a').service('s', { port: 80, versions: { v1: { image: 'x/s:1' } } }).requireJwt('j', { issuer: 'i', jwksUri: 'http://idp/jwks' }), 'jwksUri'],
    ['JWKS without keys', (m) => m.team('a').service('s', { port: 80, versions: { v1: { image: 'x/s:1' } } }).requireJwt('j', { issuer: 'i', jwks: '{"keys": []}' }), 'jwks'],
    ['CIDR', (m) => m.team('a').service('s', { port: 80, versions: { v1: { image: 'x/s:1' } } }).deny('d', { from: { ipBlocks: ['10.0.0.0/33'] } }), 'from.ipBlocks.0'],
    ['host', (m) => m.gateway('g', { hosts: ['a b.example.com'] }), 'hosts.0'],
  ];
  for (const [what, declare, field] of cases) {
    it(`reports ${what} as WEFT001 at ${field}`, () => {
      const m = mesh();
      declare(m);
      expect(diagnose(m)).toEqual([expect.objectContaining({ code: 'WEFT001', field })]);
    });
  }

  it('reports an override of an undeclared version (WEFT005), which would be dropped', () => {
    const m = new Mesh('m', { environments: { prod: { mesh: 'istio', services: { s: { versions: { v9: { replicas: 2 } } } } } } });
    m.team('a').service('s', { port: 80, versions: { v1: { image: 'x/s:1' } } });
    expect(diagnose(m)).toEqual([expect.objectContaining({ code: 'WEFT005', message: expect.stringContaining('version "v9"') })]);
  });
});
