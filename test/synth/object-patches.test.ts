import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Mesh } from '../../src/index';
import type { ObjectPatchProps } from '../../src/constructs/object-patch';
import { compileModel, type CompileOptions } from '../../src/synth/compile';

/** A small mesh with one patch, compiled in this process (model → emit → patches → schema check). */
function compile(patch: ObjectPatchProps, options: CompileOptions = {}) {
  const mesh = new Mesh('shop', { environments: { dev: { mesh: 'weft' }, prod: { mesh: 'istio' } } });
  const team = mesh.team('storefront');
  const web = team.service('web', { port: 8080, versions: { v1: { image: 'example/web:1.0' } } });
  web.route('all', { to: web.version('v1') });
  mesh.patch('p', patch);
  const { model, diagnostics } = mesh.toModel();
  expect(diagnostics).toEqual([]);
  const out = compileModel(model!, { verificationOverlay: false, ...options } as CompileOptions);
  const yaml = (path: string) => parse(out.files.get(path)!, { version: '1.1' }) as Record<string, any>;
  return { ...out, codes: out.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code), yaml };
}

describe('mesh.patch (src/synth/object-patches.ts)', () => {
  it('patches only the environments it names, leaving the others (and the shared model) untouched', () => {
    const { codes, yaml } = compile({ kind: 'Namespace', name: 'storefront', environments: ['prod'], ops: [{ op: 'add', path: '/metadata/labels/team', value: 'web' }] });
    expect(codes).toEqual([]);
    expect(yaml('prod/kubernetes/_cluster/namespace-storefront.yaml').metadata.labels.team).toBe('web');
    expect(yaml('dev/kubernetes/_cluster/namespace-storefront.yaml').metadata.labels).not.toHaveProperty('team');
  });

  it('patches the objects of any target, narrowed by target and apiVersion', () => {
    const { codes, yaml } = compile({ kind: 'DestinationRule', name: 'web', target: 'istio', apiVersion: 'networking.istio.io/v1', ops: [{ op: 'add', path: '/spec/trafficPolicy/connectionPool', value: { tcp: { maxConnections: 10 } } }] });
    expect(codes).toEqual([]);
    expect(yaml('prod/istio/storefront/destinationrule-web.yaml').spec.trafficPolicy.connectionPool).toEqual({ tcp: { maxConnections: 10 } });
  });

  it('validates the patched object: a patch that breaks the schema is WEFT690', () => {
    expect(compile({ kind: 'Deployment', name: 'web-v1', ops: [{ op: 'replace', path: '/spec/replicas', value: 'three' }] }).codes).toEqual(['WEFT690', 'WEFT690']);
  });

  it('a patch for environments this run leaves out (--env) selects nothing and is not reported; one for no declared environment is', () => {
    expect(compile({ kind: 'Deployment', name: 'web-v1', environments: ['prod'], ops: [{ op: 'remove', path: '/spec/replicas' }] }, { environments: ['dev'] }).codes).toEqual([]);
    const nowhere = compile({ kind: 'Deployment', name: 'web-v1', environments: ['staging'], ops: [{ op: 'remove', path: '/spec/replicas' }] });
    expect(nowhere.codes).toEqual(['WEFT043']);
    expect(nowhere.diagnostics[0]!.message).toContain('names environment "staging", which the mesh does not declare');
  });

  it('reports a failing operation once, with its index, however many environments it fails in', () => {
    const { diagnostics } = compile({ kind: 'Deployment', name: 'web-v1', ops: [{ op: 'test', path: '/spec/replicas', value: 1 }, { op: 'remove', path: '/spec/paused' }] });
    expect(diagnostics.filter((d) => d.code === 'WEFT042').map((d) => d.message.replace(/^.*operation/, 'operation'))).toEqual([
      'operation 1 (remove /spec/paused): /spec/paused does not exist: no key "paused" in the object at /spec (it has "minReadySeconds", "progressDeadlineSeconds", "replicas", "selector", "strategy", "template")',
    ]);
  });
});
