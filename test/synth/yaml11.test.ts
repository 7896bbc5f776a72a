import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadMeshConfig } from '../../src/synth/load';
import { manifestPath, manifestYaml, referenceYaml } from '../../src/synth/serialize';
import { compileModel } from '../../src/synth/compile';
import { readDist } from '../../src/synth/write';
import { TARGETS } from '../../src/targets/index';
import type { EmitContext, Manifest, Target } from '../../src/targets/target';

const repoRoot = join(__dirname, '../..');

/** What a JSON consumer (the API server) receives for `value`: undefined fields absent. */
const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

/**
 * kubectl, Argo CD and Helm read YAML 1.1 (go-yaml v2 via sigs.k8s.io/yaml); `yaml` 1.1 mode
 * resolves the same implicit types (booleans y/n/yes/no/on/off, octal 0755, sexagesimal 1:20,
 * timestamps, merge keys).
 */
const read11 = (text: string) => parse(text, { version: '1.1', uniqueKeys: true });
const read12 = (text: string) => parse(text, { version: '1.2', uniqueKeys: true });

// Strings a YAML 1.1 reader turns into booleans, numbers, null, timestamps or merge keys when plain.
const AMBIGUOUS = [
  'on', 'off', 'On', 'OFF', 'yes', 'no', 'Yes', 'NO', 'y', 'n', 'Y', 'N', 'true', 'false', 'True', '~', 'null', 'Null', '',
  '0755', '0o17', '0x1F', '0b101', '1:20', '12:30:45.5', '190:20:30', '1_000', '+12', '.5', '1e3', '1.0e+3', '.inf', '-.inf', '.nan', 'NaN',
  '2001-12-14', '2001-12-14t21:59:43.10-05:00', '<<', '=', '8080', '-1',
];

describe('YAML 1.1 safety of the serializer', () => {
  it('writes every ambiguous string so that YAML 1.1 and 1.2 both read it back unchanged, as values and as keys', () => {
    const spec: Record<string, unknown> = { values: AMBIGUOUS, map: Object.fromEntries(AMBIGUOUS.map((s) => [s, s])) };
    const manifest = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, spec } as unknown as Manifest;
    const text = manifestYaml(manifest);
    expect(read11(text)).toEqual(asJson(manifest));
    expect(read12(text)).toEqual(asJson(manifest));
    // The failure that started it: a header match `exact: on` is a boolean to the API server.
    expect(text).toContain('"on": "on"');
    expect(text).toContain('"y": "y"');
  });

  it('quotes the same way on the fallback path (multi-line strings force it)', () => {
    const manifest = { apiVersion: 'v1', kind: 'X', metadata: { name: 'x' }, spec: { multi: 'a\nb', list: AMBIGUOUS, map: Object.fromEntries(AMBIGUOUS.map((s) => [s, s])) } } as unknown as Manifest;
    const text = referenceYaml(manifest);
    expect(read11(text)).toEqual(asJson(manifest));
    expect(read12(text)).toEqual(asJson(manifest));
    expect(manifestYaml(manifest)).toContain(text);
  });

  it('leaves unambiguous strings plain', () => {
    const manifest = { apiVersion: 'v1', kind: 'X', metadata: { name: 'reviews' }, spec: { host: 'reviews.shop.svc.cluster.local', image: 'registry:5000/app:1.0', v: 'v1' } } as unknown as Manifest;
    expect(manifestYaml(manifest)).toContain('host: reviews.shop.svc.cluster.local\n');
    expect(manifestYaml(manifest)).toContain('image: registry:5000/app:1.0\n');
  });

  it('every YAML file of the committed dist/ reads, under YAML 1.1, as exactly the objects the model emits', async () => {
    const { mesh } = await loadMeshConfig(join(repoRoot, 'mesh.config.ts'));
    // Every target, recording what it emits, so that each file is compared with its object. The
    // lists are read after the compile: synth applies the mesh's JSON patches (mesh.patch) to
    // them in place, after the target's emit.
    // Each environment is emitted twice per target: first its own objects, then its verification
    // overlay (`verify/<env>/`, src/synth/compile.ts), so a second emit of a pair is the overlay.
    const outputs: Array<{ prefix: string; env: string; target: string; manifests: Manifest[] }> = [];
    const seen = new Set<string>();
    const recording = TARGETS.map((t) =>
      Object.assign(Object.create(t) as Target, {
        emit(ctx: EmitContext) {
          const out = t.emit(ctx);
          const pair = `${ctx.env.name}/${t.name}`;
          outputs.push({ prefix: seen.has(pair) ? 'verify/' : '', env: ctx.env.name, target: t.name, manifests: out.manifests });
          seen.add(pair);
          return out;
        },
      }),
    );
    const compiled = compileModel(mesh!.toModel().model!, { targets: recording });
    const emitted = new Map<string, Manifest>();
    for (const { prefix, env, target, manifests } of outputs) for (const m of manifests) emitted.set(prefix + manifestPath(env, target, m), m);
    expect(compiled.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const yamlFiles = [...readDist(join(repoRoot, 'dist')).keys()].filter((p) => p.endsWith('.yaml'));
    expect(yamlFiles.sort()).toEqual([...emitted.keys()].sort());
    for (const [path, manifest] of emitted) {
      const committed = readFileSync(join(repoRoot, 'dist', path), 'utf8');
      expect(read11(committed), path).toEqual(asJson(manifest));
      expect(read12(committed), path).toEqual(asJson(manifest));
    }
    expect(emitted.size).toBeGreaterThan(50);
    // Parses every file of dist/ twice: 10 s alone, over 30 s beside the rest of the suite on a loaded 2-core machine.
  }, 180_000);
});

describe('misreadAsYaml11: the plain-word fast path', () => {
  it('agrees with a YAML 1.1 round trip for words of letters, digits, _ . / - (and every 1.1 bool and null word)', async () => {
    const { misreadAsYaml11 } = await import('../../src/synth/serialize');
    const { stringify } = await import('yaml');
    const letters = ['a', 'Y', 'n', 'o', 'O', 'f', 'N', 'e', 'x', 'I', '_'];
    const tail = ['', 'es', 'ES', 'o', 'O', 'n', 'N', 'ff', 'FF', 'rue', 'alse', 'ull', 'ULL', 'nf', '1', '.5', '-1', '/v1', 'e3', '_0', '.inf'];
    const words = new Set<string>(['springboot-app', 'apps/v1', 'app.kubernetes.io/name', 'v1', 'x/a:1']);
    for (const h of letters) for (const t of tail) words.add(h + t);
    for (const w of ['y', 'Y', 'yes', 'Yes', 'YES', 'n', 'N', 'no', 'No', 'NO', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE', 'on', 'On', 'ON', 'off', 'Off', 'OFF', 'null', 'Null', 'NULL']) words.add(w);
    for (const w of words) {
      for (const asKey of [false, true]) {
        const text = asKey ? stringify({ [w]: 0 }) : stringify({ x: w });
        const back = read11(text) as Record<string, unknown>;
        const roundTrips = asKey ? Object.keys(back).length === 1 && Object.keys(back)[0] === w : back.x === w;
        expect(misreadAsYaml11(w, asKey), `${w} as ${asKey ? 'key' : 'value'}`).toBe(!roundTrips);
      }
    }
  });
});
