import { describe, expect, it } from 'vitest';
import { Mesh } from '../../src/index';
import { tagOf } from '../../src/analyze/rules/image-tags';
import { diagnose, expectNone, expectOne, newMesh, withCode } from './helpers';

describe('WEFT501 image without a pinned tag', () => {
  it('reports a missing tag and "latest"', () => {
    const mesh = newMesh();
    const s = mesh.team('storefront').service('app', { port: 8080, versions: { v1: { image: 'example/app' }, v2: { image: 'example/app:latest' } } });
    const diags = withCode(diagnose(mesh), 'WEFT501');
    expect(diags).toHaveLength(2);
    expect(diags.every((d) => d.location?.line === s.location.line && d.severity === 'warning' && d.hint.length > 0)).toBe(true);
    expect(diags.map((d) => d.path).sort()).toEqual(['shop/storefront/app/version:v1', 'shop/storefront/app/version:v2']);
    expect(diags.map((d) => d.message).sort()).toEqual([
      'version "v1" of service "app" runs image "example/app", which has no tag (so "latest"): every pod start may pull different code',
      'version "v2" of service "app" runs image "example/app:latest", tagged "latest": every pod start may pull different code',
    ]);
  });

  it('reports an environment override to latest, naming the environment', () => {
    const mesh = new Mesh('shop', {
      environments: { dev: { mesh: 'weft', services: { app: { versions: { v1: { image: 'example/app:latest' } } } } }, prod: { mesh: 'istio' } },
    });
    const s = mesh.team('storefront').service('app', { port: 8080, versions: { v1: { image: 'example/app:1.0.0' } } });
    expectOne(diagnose(mesh), 'WEFT501', { at: s, severity: 'warning', message: ['"example/app:latest"', '(in environment "dev")'] });
  });

  it('accepts tags and digests, and does not take a registry port for a tag (near miss)', () => {
    const mesh = newMesh();
    mesh.team('storefront').service('app', {
      port: 8080,
      versions: { v1: { image: 'registry:5000/example/app:1.2' }, v2: { image: 'example/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef' } },
    });
    expectNone(diagnose(mesh), 'WEFT501');
    expect(tagOf('registry:5000/example/app')).toBeUndefined();
    expect(tagOf('registry:5000/example/app:1.2')).toBe('1.2');
  });
});

describe('WEFT502 disruption budget over fewer than two pods', () => {
  it('reports a budget over one replica', () => {
    const mesh = newMesh();
    const s = mesh.team('storefront').service('app', { port: 8080, versions: { v1: { image: 'example/app:1' } }, disruptionBudget: { minAvailable: 1 } });
    expectOne(diagnose(mesh), 'WEFT502', { at: s, severity: 'warning', message: ['service "app" has a disruption budget but runs 1 pod'] });
  });

  it('counts autoscaling minReplicas per version', () => {
    const mesh = newMesh();
    const s = mesh.team('storefront').service('app', {
      port: 8080,
      versions: { v1: { image: 'example/app:1', replicas: 3 } },
      autoscaling: { minReplicas: 1, maxReplicas: 5 },
      disruptionBudget: { maxUnavailable: 1 },
    });
    expectOne(diagnose(mesh), 'WEFT502', { at: s, severity: 'warning', message: ['runs 1 pod at minimum (autoscaling minReplicas)'] });
  });

  it('names the environments that scale the service down', () => {
    const mesh = new Mesh('shop', { environments: { dev: { mesh: 'weft', services: { app: { replicas: 1 } } }, prod: { mesh: 'istio' } } });
    const s = mesh.team('storefront').service('app', { port: 8080, versions: { v1: { image: 'example/app:1', replicas: 3 } }, disruptionBudget: { minAvailable: 1 } });
    expectOne(diagnose(mesh), 'WEFT502', { at: s, severity: 'warning', message: ['runs 1 pod', '(in environment "dev")'] });
  });

  it('is silent with two pods across versions, or without a budget (near miss)', () => {
    const mesh = newMesh();
    const t = mesh.team('storefront');
    t.service('a', { port: 8080, versions: { v1: { image: 'example/a:1' }, v2: { image: 'example/a:2' } }, disruptionBudget: { minAvailable: 1 } });
    t.service('b', { port: 8080, versions: { v1: { image: 'example/b:1' } } });
    expectNone(diagnose(mesh), 'WEFT502');
  });
});

describe('WEFT503 static external service without addresses', () => {
  it('reports static resolution with no addresses', () => {
    const mesh = newMesh();
    const x = mesh.team('storefront').externalService('legacy-db', { hosts: ['db.legacy.internal'], ports: [{ port: 5432, protocol: 'tcp' }], resolution: 'static' });
    expectOne(diagnose(mesh), 'WEFT503', { at: x, severity: 'error', message: ['external service "legacy-db" resolves statically but declares no addresses'] });
  });

  it('is silent with addresses or DNS resolution (near miss)', () => {
    const mesh = newMesh();
    const t = mesh.team('storefront');
    t.externalService('legacy-db', { hosts: ['db.legacy.internal'], resolution: 'static', addresses: ['10.0.0.5'] });
    t.externalService('stripe', { hosts: ['api.stripe.com'] });
    expectNone(diagnose(mesh), 'WEFT503');
  });
});
