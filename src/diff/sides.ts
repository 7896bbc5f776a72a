import { existsSync, statSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import type { Diagnostic } from '../diagnostics/diagnostic';
import { hasErrors } from '../diagnostics/diagnostic';
import type { MeshModel } from '../model/mesh';
import { compileMesh } from '../synth/compile-config';
import { loadMeshConfig } from '../synth/load';
import { readDist } from '../synth/write';
import { materializeBaseTree } from './base-tree';
import { readTree, repoRoot, resolveCommit } from './git';

/** One side of a diff: the files of dist/ and, when it could be built, the model. */
export interface Side {
  /** `HEAD (1a2b3c4)`, `dist-old/`, `working tree`. */
  readonly label: string;
  readonly files: ReadonlyMap<string, string>;
  readonly model?: MeshModel;
  /** Why there is no model (the traffic view is then left out), or other remarks. */
  readonly notes: string[];
}

export interface SideOptions {
  configPath: string;
  distDir: string;
  environments?: string[];
}

/** Loads a mesh description in this process and builds its model. */
async function modelOf(configPath: string): Promise<{ model?: MeshModel; diagnostics: Diagnostic[] }> {
  const loaded = await loadMeshConfig(configPath);
  if (!loaded.mesh) return { diagnostics: loaded.diagnostics };
  const built = loaded.mesh.toModel();
  return { model: built.model, diagnostics: built.diagnostics };
}

function inScope(environments: string[] | undefined): (path: string) => boolean {
  return (p) => !environments || environments.some((e) => p.startsWith(`${e}/`));
}

/**
 * The "after" side: the current mesh.config.ts compiled in memory, so that the diff shows what
 * a change does before `npm run synth` has written it (in CI, `synth --check` has already
 * proved dist/ equal to this).
 */
export async function currentSide(options: SideOptions): Promise<Side & { diagnostics: Diagnostic[] }> {
  const loaded = await loadMeshConfig(options.configPath);
  if (!loaded.mesh) return { label: 'working tree', files: new Map(), notes: [], diagnostics: loaded.diagnostics };
  const compiled = await compileMesh(loaded.mesh, { environments: options.environments });
  const built = loaded.mesh.toModel();
  return {
    label: 'working tree',
    files: compiled.files,
    model: hasErrors(compiled.diagnostics) ? undefined : built.model,
    notes: [],
    diagnostics: compiled.diagnostics,
  };
}

/**
 * The "before" side from a directory (a dist/ tree) or a git ref. For a ref, dist/ comes from
 * the commit (`git cat-file`), and the model from the commit's mesh.config.ts and the files it
 * imports by relative paths, all read from the commit into a hidden mirror folder, loaded with
 * the current Weft, and removed (base-tree.ts).
 */
export async function baseSide(base: string, options: SideOptions & { baseConfig?: string; cwd: string }): Promise<Side> {
  const scope = inScope(options.environments);
  const dir = resolve(options.cwd, base);
  if (existsSync(dir) && statSync(dir).isDirectory()) {
    const files = new Map([...readDist(dir)].filter(([p]) => scope(p)));
    const notes: string[] = [];
    let model: MeshModel | undefined;
    if (options.baseConfig) {
      const built = await modelOf(resolve(options.cwd, options.baseConfig));
      model = hasErrors(built.diagnostics) ? undefined : built.model;
      if (!model) notes.push(`traffic view left out: ${options.baseConfig} has errors (${built.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code).join(', ')})`);
    } else notes.push('traffic view left out: pass --base-config with the mesh.config.ts that produced the base directory');
    return { label: `${relative(options.cwd, dir) || '.'}${sep}`, files, model, notes };
  }
  const root = repoRoot(options.cwd);
  const commit = resolveCommit(root, base);
  const distRel = relative(root, resolve(options.distDir)).split(sep).join('/');
  const files = new Map([...readTree(root, commit, distRel)].filter(([p]) => scope(p)));
  const label = `${base} (${commit.slice(0, 7)})`;
  const configRel = relative(root, resolve(options.configPath)).split(sep).join('/');
  const tree = await materializeBaseTree(root, commit, configRel);
  if (!tree) return { label, files, notes: [`traffic view left out: ${base} has no ${configRel}`] };
  try {
    const built = await modelOf(tree.configPath);
    if (hasErrors(built.diagnostics) || !built.model)
      return { label, files, notes: [`traffic view left out: ${configRel} at ${base} does not build with this version of Weft (${built.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code).join(', ')})`] };
    return { label, files, model: built.model, notes: [] };
  } finally {
    tree.dispose();
  }
}
