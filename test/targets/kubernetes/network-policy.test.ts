import { describe, expect, it } from 'vitest';
import { Mesh } from '../../../src/index';
import { DEFAULT_DENY_NAME } from '../../../src/targets/kubernetes/index';
import type { Manifest } from '../../../src/targets/target';
import { smallMesh } from './fixture';
import { emitFor } from './helpers';

type Rule = { from?: Record<string, unknown>[]; ports: { port: number; protocol: string }[] };
const rules = (m: Manifest) => (m.spec as { ingress: Rule[] }).ingress;

describe('kubernetes target: NetworkPolicy', () => {
  it('writes nothing under allow-all', async () => {
    const { all } = await emitFor(smallMesh(), 'open');
    expect(all('NetworkPolicy')).toEqual([]);
  });

  it('writes a default-deny ingress policy per namespace under deny-by-default', async () => {
    const { find } = await emitFor(smallMesh(), 'prod');
    for (const ns of ['storefront', 'shop-commerce'])
      expect(find('NetworkPolicy', DEFAULT_DENY_NAME, ns).spec).toEqual({ podSelector: {}, policyTypes: ['Ingress'] });
  });

  it('admits declared callers from their namespace, on every target port', async () => {
    const { find } = await emitFor(smallMesh(), 'prod');
    const np = find('NetworkPolicy', 'allow-orders');
    expect((np.spec as { podSelector: unknown }).podSelector).toEqual({ matchLabels: { app: 'orders' } });
    expect(rules(np)[0]).toEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'storefront' } }, podSelector: { matchLabels: { app: 'web' } } }],
      ports: [{ port: 8080, protocol: 'TCP' }, { port: 9090, protocol: 'TCP' }],
    });
  });

  it('widens allow rules to what L3 can express: namespaces, and anyone for JWT-only rules', async () => {
    const { find } = await emitFor(smallMesh(), 'prod');
    const r = rules(find('NetworkPolicy', 'allow-orders'));
    expect(r[1]).toEqual({ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ops' } } }], ports: [{ port: 9090, protocol: 'TCP' }] });
    expect(r[2]).toEqual({ ports: [{ port: 8080, protocol: 'TCP' }] });
  });

  it('admits the gateway namespace into services that gateway routes reach, and metrics scrapers on the Istio agent port', async () => {
    const { find } = await emitFor(smallMesh(), 'prod');
    expect(rules(find('NetworkPolicy', 'allow-web'))).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } } }], ports: [{ port: 8080, protocol: 'TCP' }] },
      { from: [{ namespaceSelector: {} }], ports: [{ port: 15020, protocol: 'TCP' }] },
    ]);
  });

  it('admits the callers of a service into the services its routes forward or mirror to (client-side routing)', async () => {
    const mesh = new Mesh('m', { environments: { dev: { mesh: 'istio' } }, observability: { metrics: false } });
    const t = mesh.team('t');
    const legacy = t.service('legacy', { port: 8080, versions: { v1: { image: 'x/l:1' } } });
    const shadow = t.service('shadow', { port: 7070, versions: { v1: { image: 'x/sh:1' } } });
    const front = t.service('front', { port: 8080, versions: { v1: { image: 'x/f:1' } } });
    t.service('client', { port: 8080, versions: { v1: { image: 'x/c:1' } }, calls: [front] });
    front.route('to-legacy', { match: { path: { prefix: '/old' } }, to: legacy, mirror: { to: shadow, percent: 10 } });
    front.route('default', { to: front });
    const { find, all } = await emitFor(mesh, 'dev');
    const client = [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 't' } }, podSelector: { matchLabels: { app: 'client' } } }];
    expect(rules(find('NetworkPolicy', 'allow-legacy'))).toEqual([{ from: client, ports: [{ port: 8080, protocol: 'TCP' }] }]);
    expect(rules(find('NetworkPolicy', 'allow-shadow'))).toEqual([{ from: client, ports: [{ port: 7070, protocol: 'TCP' }] }]);
    // No sources at all: the default deny covers it, no empty policy is written.
    expect(all('NetworkPolicy').map((n) => n.metadata.name).sort()).toEqual(['allow-front', 'allow-legacy', 'allow-shadow', DEFAULT_DENY_NAME]);
  });

  it('follows the environment override of the authorization mode', async () => {
    const mesh = new Mesh('m', { environments: { dev: { mesh: 'istio', security: { authorization: 'allow-all' } }, prod: { mesh: 'istio' } } });
    mesh.team('t').service('s', { port: 8080, versions: { v1: { image: 'x/s:1' } } });
    expect((await emitFor(mesh, 'dev')).all('NetworkPolicy')).toEqual([]);
    expect((await emitFor(mesh, 'prod')).all('NetworkPolicy').length).toBeGreaterThan(0);
  });
});
