import { describe, expect, it } from 'vitest';
import { diagnose, newMesh, withCode } from './helpers';

const consul = { environments: { staging: { mesh: 'consul' as const } } };

describe('WEFT720 two services share one Consul service name', () => {
  it('triggers for one name in two namespaces, and for a gateway named like a service', () => {
    const m = newMesh(consul);
    m.team('a').service('api', { port: 80, versions: { v1: { image: 'i' } } });
    m.team('b').service('api', { port: 80, versions: { v1: { image: 'i' } } });
    m.gateway('web', { hosts: ['x.example.com'] });
    m.team('c').service('web', { port: 80, versions: { v1: { image: 'i' } } });
    const found = withCode(diagnose(m), 'WEFT720');
    expect(found.map((d) => d.message)).toEqual([
      expect.stringContaining('service "b/api" and service "a/api" are both the Consul service "api"'),
      expect.stringContaining('gateway "istio-system/web" and service "c/web"'),
    ]);
    expect(found.every((d) => d.severity === 'error' && d.location)).toBe(true);
  });
  it('near miss: the same clash without a consul environment, and distinct names with one', () => {
    const m = newMesh();
    m.team('a').service('api', { port: 80, versions: { v1: { image: 'i' } } });
    m.team('b').service('api', { port: 80, versions: { v1: { image: 'i' } } });
    expect(withCode(diagnose(m), 'WEFT720')).toEqual([]);
    const n = newMesh(consul);
    n.team('a').service('api', { port: 80, versions: { v1: { image: 'i' } } });
    n.team('b').service('api-b', { port: 80, versions: { v1: { image: 'i' } } });
    expect(withCode(diagnose(n), 'WEFT720')).toEqual([]);
  });
});

describe('WEFT721 L7 route on a tcp service in Consul', () => {
  it('triggers on a matched route and a split of a tcp service', () => {
    const m = newMesh(consul);
    const db = m.team('a').service('db', { ports: [{ port: 5432, protocol: 'tcp', name: 'tcp-pg' }], versions: { v1: { image: 'i' }, v2: { image: 'i' } } });
    db.route('by-header', { match: { headers: { x: '1' } }, to: db.version('v2') });
    db.route('split', { to: [db.version('v1').weight(50), db.version('v2').weight(50)] });
    const found = withCode(diagnose(m), 'WEFT721');
    expect(found.map((d) => d.message)).toEqual([expect.stringContaining('uses a match'), expect.stringContaining('uses a weighted split')]);
  });
  it('near miss: a tcp service whose only route sends everything to one version (the resolver default subset)', () => {
    const m = newMesh(consul);
    const db = m.team('a').service('db', { ports: [{ port: 5432, protocol: 'tcp', name: 'tcp-pg' }], versions: { v1: { image: 'i' }, v2: { image: 'i' } } });
    db.route('pin', { to: db.version('v2') });
    expect(withCode(diagnose(m), 'WEFT721')).toEqual([]);
  });
});

describe('WEFT722 route between services of different protocols in Consul', () => {
  it('triggers for an http route to a grpc service and a gateway route to a tcp service', () => {
    const m = newMesh(consul);
    const t = m.team('a');
    const rpc = t.service('rpc', { port: 9090, protocol: 'grpc', versions: { v1: { image: 'i' } } });
    const db = t.service('db', { ports: [{ port: 5432, protocol: 'tcp', name: 'tcp-pg' }], versions: { v1: { image: 'i' } } });
    t.service('web', { port: 80, versions: { v1: { image: 'i' } } }).route('to-rpc', { match: { path: { prefix: '/rpc' } }, to: rpc });
    m.gateway('edge', { hosts: ['x.example.com'] }).route('db', { to: db });
    const found = withCode(diagnose(m), 'WEFT722');
    expect(found.map((d) => d.message)).toEqual([expect.stringContaining('sends http requests to service "rpc", whose Consul protocol is grpc'), expect.stringContaining('sends HTTP requests to service "db", whose Consul protocol is tcp')]);
  });
  it('near miss: routes between services of one protocol, and a gateway route to an http2 service', () => {
    const m = newMesh(consul);
    const t = m.team('a');
    const other = t.service('other', { port: 80, versions: { v1: { image: 'i' } } });
    const h2 = t.service('h2', { port: 80, protocol: 'http2', versions: { v1: { image: 'i' } } });
    t.service('web', { port: 80, versions: { v1: { image: 'i' } } }).route('to-other', { match: { path: { prefix: '/o' } }, to: other });
    m.gateway('edge', { hosts: ['x.example.com'] }).route('h2', { to: h2 });
    expect(withCode(diagnose(m), 'WEFT722')).toEqual([]);
  });
});

describe('WEFT723 Consul subset with no instances', () => {
  it('warns for a split to a version a consul environment scales to 0, naming the environment', () => {
    const m = newMesh({ environments: { staging: { mesh: 'consul', services: { s: { versions: { v2: { replicas: 0 } } } } }, prod: { mesh: 'istio' } } });
    const s = m.team('a').service('s', { port: 80, versions: { v1: { image: 'i' }, v2: { image: 'i' } } });
    s.route('canary', { to: [s.version('v1').weight(90), s.version('v2').weight(10)] });
    const found = withCode(diagnose(m), 'WEFT723');
    expect(found.map((d) => [d.severity, d.message])).toEqual([['warning', expect.stringContaining('sends 10% to version "v2" of service "s", which has 0 replicas in consul environment "staging"')]]);
  });
  it('near miss: the same scale-down in an istio environment only, or with autoscaling, or a weight of 0', () => {
    const m = newMesh({ environments: { staging: { mesh: 'consul' }, prod: { mesh: 'istio', services: { s: { versions: { v2: { replicas: 0 } } } } } } });
    const s = m.team('a').service('s', { port: 80, versions: { v1: { image: 'i' }, v2: { image: 'i' } } });
    s.route('canary', { to: [s.version('v1').weight(90), s.version('v2').weight(10)] });
    expect(withCode(diagnose(m), 'WEFT723')).toEqual([]);
    const n = newMesh({ environments: { staging: { mesh: 'consul', services: { s: { versions: { v2: { replicas: 0 } } } } } } });
    const t = n.team('a').service('s', { port: 80, versions: { v1: { image: 'i' }, v2: { image: 'i' } }, autoscaling: { minReplicas: 1, maxReplicas: 3, targetCpuPercent: 70 } });
    t.route('canary', { to: [t.version('v1').weight(90), t.version('v2').weight(10)] });
    expect(withCode(diagnose(n), 'WEFT723')).toEqual([]);
  });
});
