import { describe, expect, it } from 'vitest';
import { Mesh } from '../../src/index';
import { compileModel } from '../../src/synth/compile';
import { manifestSource } from '../../src/synth/manifest-source';
import { TARGETS } from '../../src/targets/index';
import { commonLabels } from '../../src/targets/naming';
import type { Manifest, Target } from '../../src/targets/target';

/** WEFT690 points at the declaration the failing object comes from, with a file:line:col. */
function shop() {
  const mesh = new Mesh('shop', { environments: { prod: { mesh: 'istio' } } });
  const team = mesh.team('storefront');
  const app = team.service('app', { port: 8080, versions: { v1: { image: 'example/app:1' } } });
  const gw = mesh.gateway('public', { hosts: ['shop.example.com'] });
  gw.route('all', { to: app });
  const { model } = mesh.toModel();
  return { mesh, team, app, gw, model: model! };
}

/** A Deployment that fails its schema (replicas is a string), labelled as every target labels its objects. */
function badDeployment(model: { name: string }, component: string, namespace: string, version?: string): Manifest {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `${component}-bad`, namespace, labels: commonLabels(model, component) },
    spec: { replicas: 'two', selector: { matchLabels: { app: component, ...(version ? { version } : {}) } }, template: { metadata: { labels: { app: component } } } },
  } as unknown as Manifest;
}

describe('WEFT690 location', () => {
  it('synth reports a failing object at the service (or version) that produced it', () => {
    const { app, model } = shop();
    const broken: Target = { name: 'broken', codes: {}, appliesTo: () => true, emit: () => ({ manifests: [badDeployment(model, 'app', 'storefront', 'v1')] }) };
    const result = compileModel(model, { targets: [...TARGETS, broken], verificationOverlay: false });
    const found = result.diagnostics.filter((d) => d.code === 'WEFT690');
    expect(found).toHaveLength(1);
    expect(found[0]!.location?.file).toMatch(/schema-check-location\.test\.ts$/);
    expect(found[0]!.location?.line).toBe(app.location.line);
    expect(found[0]!.path).toBe(model.services[0]!.versions[0]!.path);
    expect(found[0]!.message).toContain('Deployment storefront/app-bad (environment "prod", apps/v1) fails its schema');
  });

  it('maps objects to version, service, gateway, team, then mesh', () => {
    const { model } = shop();
    const [app] = model.services;
    expect(manifestSource(model, badDeployment(model, 'app', 'storefront', 'v1'))).toBe(app!.versions[0]);
    expect(manifestSource(model, badDeployment(model, 'app', 'storefront'))).toBe(app);
    expect(manifestSource(model, badDeployment(model, 'public', 'istio-system'))).toBe(model.gateways[0]);
    expect(manifestSource(model, badDeployment(model, 'mesh', 'storefront'))).toBe(model.teams[0]);
    expect(manifestSource(model, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'storefront', labels: commonLabels(model, 'mesh') } } as Manifest)).toBe(model.teams[0]);
    expect(manifestSource(model, badDeployment(model, 'mesh', 'elsewhere'))).toEqual({ path: 'shop', location: model.location });
  });
});
