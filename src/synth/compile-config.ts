import { hasErrors, sortDiagnostics, type Diagnostic } from '../diagnostics/diagnostic';
import type { Mesh } from '../constructs/mesh';
import { compileModel, type CompileOptions } from './compile';
import { refineFieldLocations } from './field-location';
import { loadMeshConfig } from './load';
import type { DistChanges } from './write';

/** What a compile of a mesh description gives: diagnostics, and the files of dist/ when there is no error. */
export interface CompiledConfig {
  diagnostics: Diagnostic[];
  /** `dist/`-relative path → content; empty when there are errors. */
  files: Map<string, string>;
  /** Environments that were compiled. */
  environments: string[];
  /**
   * Set when the compile child compared and staged the files itself (isolate.ts, the streaming
   * path): `files` is then empty, and the parent commits the staging folder (write.ts).
   */
  staged?: { staging: string; changes: DistChanges };
}

export interface MeshCompileOptions extends CompileOptions {
  /**
   * Detach every construct from `mesh` once its model is built (releaseConstructTree), for a
   * caller that never uses the Mesh again: the compile child, whose construct tree would
   * otherwise stay reachable through the config module's default export for the whole compile.
   * @default false
   */
  releaseConstructs?: boolean;
  /**
   * Called once the model is built, before the emit: from here on no code of the config runs
   * (escape-hatch charts, their tokens and validations ran in `toModel`), so the compile child
   * tells its parent, which bounds the rest as Weft's own work (isolate.ts COMPILE_BOUND_MS).
   */
  onModelBuilt?: () => Promise<void>;
}

/** model → analyze → emit → schema-check for a Mesh that is already built. */
export async function compileMesh(mesh: Mesh, options: MeshCompileOptions = {}): Promise<CompiledConfig> {
  const built = mesh.toModel();
  if (options.releaseConstructs) releaseConstructTree(mesh);
  const propMistakes = await refineFieldLocations(built.diagnostics);
  if (!built.model) return { diagnostics: sortDiagnostics(propMistakes), files: new Map(), environments: [] };
  await options.onModelBuilt?.();
  const compiled = compileModel(built.model, options);
  const diagnostics = sortDiagnostics([...propMistakes, ...compiled.diagnostics]);
  return { diagnostics, files: hasErrors(diagnostics) ? new Map() : compiled.files, environments: compiled.environments };
}

/** load → compile, in this process. `synth` runs it in a child process (see isolate.ts). */
export async function compileConfigFile(configPath: string, options: CompileOptions = {}): Promise<CompiledConfig> {
  const loaded = await loadMeshConfig(configPath);
  if (!loaded.mesh) return { diagnostics: loaded.diagnostics, files: new Map(), environments: [] };
  return compileMesh(loaded.mesh, options);
}

/**
 * Removes every child of the Mesh from the construct tree (constructs' `Node.tryRemoveChild`,
 * @see https://github.com/aws/constructs/blob/10.x/src/construct.ts). The model is plain data
 * that keeps no construct (locations are copied into it), so the tree is garbage from here on
 * unless the config's own module holds a construct in a variable: a generated mesh of 10,000
 * services holds about 90 MB there through the compile (bench/synth/memory.ts).
 */
function releaseConstructTree(mesh: Mesh): void {
  for (const child of mesh.node.children) mesh.node.tryRemoveChild(child.node.id);
}
