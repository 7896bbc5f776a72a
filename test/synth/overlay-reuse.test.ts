import { describe, expect, it, vi } from 'vitest';
import { generateMesh } from '../../bench/synth/mesh';
import { compileModel } from '../../src/synth/compile';
import * as serialize from '../../src/synth/serialize';
import * as schemaCheckModule from '../../src/synth/schema-check';
import { verificationModel } from '../../src/verify/overlay/model';
import { WEFT_VERSION } from '../../src/targets/weft/constants';
import type { Target } from '../../src/targets/target';
import { TARGETS } from '../../src/targets/index';

// Counts the YAML renderings and schema-checked objects of the compile (compile.ts and
// overlay-emit.ts call manifestYaml and schemaCheck).
vi.mock('../../src/synth/serialize', async (original) => {
  const actual = await original<typeof serialize>();
  return { ...actual, manifestYaml: vi.fn(actual.manifestYaml) };
});
vi.mock('../../src/synth/schema-check', async (original) => {
  const actual = await original<typeof schemaCheckModule>();
  return { ...actual, schemaCheck: vi.fn(actual.schemaCheck) };
});

/** Every environment kind: an Istio one (the bench mesh's) and a Weft and a Consul one. */
function benchModel(services: number) {
  const model = generateMesh(services).toModel().model!;
  const istio = model.environments[0]!;
  return { ...model, environments: [istio, { ...istio, name: 'local', mesh: 'weft' as const }, { ...istio, name: 'stage', mesh: 'consul' as const }] };
}

/**
 * The verification overlay (`verify/<env>/`) takes the environment's text for each object that
 * is the same value as the environment's at the same path (src/synth/overlay-emit.ts). Its
 * files must be byte for byte what a separate emit of the overlay's model gives, and the reuse
 * must actually save renderings.
 */
describe('the verification overlay reuses the environment', () => {
  it('writes the same bytes as a separate emit of the overlay model, rendering each reused object once', () => {
    const model = benchModel(12);
    const rendered = vi.mocked(serialize.manifestYaml);
    const checked = vi.mocked(schemaCheckModule.schemaCheck);
    rendered.mockClear();
    checked.mockClear();
    const together = compileModel(model);
    const renderings = rendered.mock.calls.length;
    const checkedObjects = checked.mock.calls.reduce((sum, [manifests]) => sum + manifests.length, 0);
    expect(together.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);

    // The reference: each environment alone, and its overlay's model emitted on its own.
    const separate = new Map(compileModel(model, { verificationOverlay: false }).files);
    for (const env of model.environments) {
      const overlay = verificationModel(model, env.name, WEFT_VERSION);
      const alone = compileModel({ ...overlay, environments: [env] }, { verificationOverlay: false });
      expect(alone.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      for (const [path, content] of alone.files) separate.set(`verify/${path}`, content);
    }
    expect([...together.files.keys()]).toEqual([...separate.keys()].sort());
    for (const [path, content] of together.files) expect(content, path).toBe(separate.get(path));

    const yamlFiles = [...together.files.keys()].filter((p) => p.endsWith('.yaml'));
    const overlayFiles = yamlFiles.filter((p) => p.startsWith('verify/'));
    const sameAsEnvironment = overlayFiles.filter((p) => together.files.get(p) === together.files.get(p.slice('verify/'.length)));
    // Most overlay objects (routes, policies, Services) are the environment's own.
    expect(sameAsEnvironment.length).toBeGreaterThan(overlayFiles.length / 2);
    // Each of those was rendered and schema-checked once, for the environment: one rendering and
    // one check per other file.
    expect(renderings).toBe(yamlFiles.length - sameAsEnvironment.length);
    expect(checkedObjects).toBe(yamlFiles.length - sameAsEnvironment.length);
  });

  it('an object that differs from the environment is rendered for the overlay', () => {
    // A target whose overlay object differs from the environment's in one field only.
    const probe: Target = {
      name: 'probe',
      codes: {},
      appliesTo: () => true,
      emit: (ctx) => ({
        manifests: [
          { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'same', namespace: 'n' }, data: { a: '1' } },
          { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'image', namespace: 'n' }, data: { image: ctx.model.services[0]!.versions[0]!.image } },
        ] as never,
        files: [{ path: 'n/same.json', json: { a: [1, 2] } }, { path: 'n/image.json', json: { image: ctx.model.services[0]!.versions[0]!.image } }],
      }),
    };
    const model = benchModel(2);
    const { files, diagnostics } = compileModel({ ...model, environments: [model.environments[0]!] }, { targets: [...TARGETS.filter((t) => t.name === 'kubernetes' || t.name === 'istio'), probe], schemaCheck: false });
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(files.get('verify/bench/probe/n/configmap-same.yaml')).toBe(files.get('bench/probe/n/configmap-same.yaml'));
    expect(files.get('verify/bench/probe/n/same.json')).toBe(files.get('bench/probe/n/same.json'));
    expect(files.get('bench/probe/n/configmap-image.yaml')).toContain('registry.example.com/svc-');
    expect(files.get('verify/bench/probe/n/configmap-image.yaml')).toContain(`weft-echo:${WEFT_VERSION}`);
    expect(files.get('verify/bench/probe/n/image.json')).toContain(`weft-echo:${WEFT_VERSION}`);
  });
});
