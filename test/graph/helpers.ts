import { resolve } from 'node:path';
import type { MeshModel } from '../../src/model/mesh';
import { modelForEnvironment } from '../../src/model/query';
import { loadMeshConfig } from '../../src/synth/load';

/** The example mesh (the repository's mesh.config.ts) as one environment sees it. */
export async function exampleModel(envName = 'prod'): Promise<MeshModel> {
  const loaded = await loadMeshConfig(resolve(__dirname, '../../mesh.config.ts'));
  const built = loaded.mesh!.toModel();
  if (!built.model) throw new Error(built.diagnostics.map((d) => d.message).join('; '));
  const env = built.model.environments.find((e) => e.name === envName)!;
  return modelForEnvironment(built.model, env);
}
