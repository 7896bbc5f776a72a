import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MeshFlavour } from '../../../src/model/mesh';
import { FLAVOUR_NAMESPACES, clusterKinds, escapeHatchKinds, namespacedKinds } from '../../../src/targets/argocd/kinds';
import { loadMeshConfig } from '../../../src/synth/load';

const DIST = join(dirname(fileURLToPath(import.meta.url)), '../../../dist');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? yamlFiles(full) : name.endsWith('.yaml') ? [full] : [];
  });
}

/**
 * The AppProject whitelist is a static list (src/targets/argocd/kinds.ts); this keeps it in step
 * with what the targets really write. It reads the committed dist/ of the example mesh, which
 * uses every construct (test/e2e keeps dist/ equal to a fresh synth), and checks every object of
 * every environment against the whitelist of the environment's mesh flavour.
 */
describe('AppProject whitelist', () => {
  // Kinds the example's teams add through the escape hatch (team.chart) are admitted as the user's choice.
  let user: ReturnType<typeof escapeHatchKinds> = { cluster: [], namespaced: [] };
  beforeAll(async () => {
    const loaded = await loadMeshConfig(join(dirname(fileURLToPath(import.meta.url)), '../../../mesh.config.ts'));
    user = escapeHatchKinds(loaded.mesh!.toModel().model!);
  });
  const envs = existsSync(DIST) ? readdirSync(DIST).filter((e) => e !== 'verify' && statSync(join(DIST, e)).isDirectory()) : [];

  it('finds the example environments', () => {
    expect(envs.length).toBeGreaterThan(0);
  });

  for (const env of envs) {
    it(`admits every kind and namespace Weft writes for environment "${env}"`, () => {
      const flavours = (['istio', 'consul', 'weft'] as MeshFlavour[]).filter((f) => existsSync(join(DIST, env, f)));
      expect(flavours).toHaveLength(1);
      const allowed = new Set([...namespacedKinds(flavours), ...clusterKinds(flavours), ...user.namespaced, ...user.cluster].map((k) => `${k.group}/${k.kind}`));
      const cluster = new Set([...clusterKinds(flavours), ...user.cluster].map((k) => k.kind));
      const project = existsSync(join(DIST, env, 'argocd')) ? yamlFiles(join(DIST, env, 'argocd')).map((f) => parseAllDocuments(readFileSync(f, 'utf8'))[0]!.toJS()).find((o) => o.kind === 'AppProject') : undefined;
      const destinations = project ? new Set(project.spec.destinations.map((d: { namespace: string }) => d.namespace)) : undefined;
      const missing: string[] = [];
      for (const file of yamlFiles(join(DIST, env))) {
        if (relative(join(DIST, env), file).startsWith('argocd/')) continue;
        for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
          const o = doc.toJS() as { apiVersion: string; kind: string; metadata: { namespace?: string } };
          const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0]! : '';
          if (!allowed.has(`${group}/${o.kind}`)) missing.push(`${group}/${o.kind} (${relative(DIST, file)})`);
          if (cluster.has(o.kind)) expect(o.metadata.namespace, file).toBeUndefined();
          else if (destinations && !destinations.has(o.metadata.namespace)) missing.push(`namespace ${o.metadata.namespace} (${relative(DIST, file)})`);
          else if (!destinations) expect(o.metadata.namespace, file).toBeTruthy();
        }
      }
      expect(missing).toEqual([]);
      if (project) expect(FLAVOUR_NAMESPACES[flavours[0]!].every((ns) => destinations!.has(ns))).toBe(true);
    });
  }
});
