import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Mesh } from '../../../src/index';
import { manifestYaml } from '../../../src/synth/serialize';
import { emitFor } from '../kubernetes/helpers';

/**
 * The Istio wiring as the Kubernetes target applies it (the same path `weft synth` takes): a
 * workload that calls out waits for its sidecar; one that calls nothing keeps Istio's default.
 */
describe('istio workload wiring: holdApplicationUntilProxyStarts', () => {
  function mesh(): Mesh {
    const m = new Mesh('shop', { environments: { prod: { mesh: 'istio' } } });
    const t = m.team('shop');
    const v = { v1: { image: 'example/app:v1' } };
    const data = t.service('data', { port: 8080, versions: v });
    const pay = t.externalService('payments', { hosts: ['api.payments.example'], ports: [{ port: 443, protocol: 'https' }] });
    t.service('app', { port: 8080, versions: { v1: { image: 'example/app:v1' }, v2: { image: 'example/app:v2' } }, calls: [data] });
    t.service('checkout', { port: 8080, versions: v, calls: [pay] });
    return m;
  }

  const annotations = (d: any) => d.spec.template.metadata.annotations ?? {};

  it('annotates every version of a service that calls another service or an external one', async () => {
    const { find, diagnostics } = await emitFor(mesh(), 'prod');
    expect(diagnostics).toEqual([]);
    for (const name of ['app-v1', 'app-v2', 'checkout-v1']) {
      const config = annotations(find('Deployment', name))['proxy.istio.io/config'];
      expect(config, name).toBeDefined();
      // ProxyConfig as Istio reads it (YAML or JSON): exactly the one setting.
      expect(parse(config)).toEqual({ holdApplicationUntilProxyStarts: true });
    }
  });

  it('leaves a workload that calls nothing with Istio\'s default (faster start)', async () => {
    const { find } = await emitFor(mesh(), 'prod');
    expect(annotations(find('Deployment', 'data-v1'))['proxy.istio.io/config']).toBeUndefined();
  });

  it('writes the annotation as a string that YAML 1.1 and 1.2 read alike', async () => {
    const { find } = await emitFor(mesh(), 'prod');
    const text = manifestYaml(find('Deployment', 'app-v1'));
    for (const version of ['1.1', '1.2'] as const)
      expect(annotations(parse(text, { version }))['proxy.istio.io/config']).toBe('{"holdApplicationUntilProxyStarts":true}');
  });

  it('only on istio environments: a weft environment does not get it', async () => {
    const m = new Mesh('shop', { environments: { dev: { mesh: 'weft' } }, security: { mtls: 'disable', authorization: 'allow-all' } });
    const t = m.team('shop');
    const data = t.service('data', { port: 8080, versions: { v1: { image: 'i' } } });
    t.service('app', { port: 8080, versions: { v1: { image: 'i' } }, calls: [data] });
    const { find } = await emitFor(m, 'dev');
    expect(annotations(find('Deployment', 'app-v1'))['proxy.istio.io/config']).toBeUndefined();
  });
});
