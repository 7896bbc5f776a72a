import { describe, expect, it } from 'vitest';
import { Mesh } from '../../src/index';
import { analyze } from '../../src/analyze/index';

describe('defaults scope on consul (WEFT133)', () => {
  it('says once per consul environment under namespace scope that ProxyDefaults global and Mesh are datacenter-wide', () => {
    const m = new Mesh('m', { environments: { staging: { mesh: 'consul' }, owned: { mesh: 'consul', defaultsScope: 'mesh-wide' }, prod: { mesh: 'istio' } } });
    m.team('a').service('one', { port: 80, versions: { v1: { image: 'i:1' } } });
    const found = analyze(m.toModel().model!).filter((d) => d.code === 'WEFT133');
    expect(found.map((d) => [d.severity, d.path, d.location?.line])).toEqual([['info', 'm/environments/staging', expect.any(Number)]]);
    expect(found[0]!.message).toContain('ProxyDefaults "global" and Mesh');
  });
});
