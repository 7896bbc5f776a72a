import { parse } from 'yaml';
import type { Mesh } from '../../../src/index';
import { compileModel } from '../../../src/synth/compile';
import type { Manifest } from '../../../src/targets/target';

/** Compiles a mesh in memory (the whole pipeline, schema check included). */
export function compile(mesh: Mesh) {
  const built = mesh.toModel();
  if (!built.model) throw new Error(`mesh has prop mistakes: ${JSON.stringify(built.diagnostics)}`);
  return { ...compileModel(built.model), constructDiagnostics: built.diagnostics };
}

/** The Argo CD files of a compile result, `dist/`-relative path → text. */
export function argocdFiles(files: Map<string, string>): Map<string, string> {
  return new Map([...files].filter(([p]) => p.split('/')[1] === 'argocd'));
}

/** Every manifest of a compile result, with the environment and target it was written for. */
export function manifestsOf(files: Map<string, string>): { env: string; target: string; path: string; manifest: Manifest }[] {
  return [...files]
    .filter(([p]) => p.endsWith('.yaml'))
    .map(([path, text]) => {
      const [env, target] = path.split('/');
      return { env: env!, target: target!, path, manifest: parse(text) as Manifest };
    });
}
