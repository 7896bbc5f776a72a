import { hasErrors, sortDiagnostics, type Diagnostic } from '../analyze/diagnostic';
import { compileModel, type CompileOptions } from './compile';
import { refineFieldLocations } from './field-location';
import { loadMeshConfig } from './load';
import { diffDist, readDist, writeDist, type DistChanges } from './write';

export interface SynthOptions extends CompileOptions {
  configPath: string;
  distDir: string;
  /** Compare with dist/ instead of writing it. */
  check?: boolean;
}

export interface SynthResult {
  diagnostics: Diagnostic[];
  /** What changed (or, with `check`, what would change) in dist/. */
  changes: DistChanges;
  /** True when dist/ was rewritten. */
  wrote: boolean;
  ok: boolean;
}

/**
 * The whole `weft synth`: load → model → analyze → emit → schema-check → write. Any
 * error-level diagnostic stops before the write, leaving dist/ as it was.
 */
export async function synth(options: SynthOptions): Promise<SynthResult> {
  const none: DistChanges = { added: [], changed: [], removed: [] };
  const loaded = await loadMeshConfig(options.configPath);
  if (!loaded.mesh) return { diagnostics: loaded.diagnostics, changes: none, wrote: false, ok: false };
  const built = loaded.mesh.toModel();
  const propMistakes = await refineFieldLocations(built.diagnostics);
  if (!built.model) return { diagnostics: sortDiagnostics(propMistakes), changes: none, wrote: false, ok: false };
  const compiled = compileModel(built.model, options);
  const diagnostics = sortDiagnostics([...propMistakes, ...compiled.diagnostics]);
  if (hasErrors(diagnostics)) return { diagnostics, changes: none, wrote: false, ok: false };
  const envScope = options.environments ? compiled.environments : undefined;
  const changes = diffDist(readDist(options.distDir, envScope), compiled.files);
  const stale = changes.added.length + changes.changed.length + changes.removed.length > 0;
  if (options.check) return { diagnostics, changes, wrote: false, ok: !stale };
  if (stale) writeDist(options.distDir, compiled.files, envScope);
  return { diagnostics, changes, wrote: stale, ok: true };
}
