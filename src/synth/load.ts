import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Diagnostic } from '../analyze/diagnostic';
import { Mesh } from '../constructs/mesh';

export interface LoadResult {
  mesh?: Mesh;
  diagnostics: Diagnostic[];
}

let generation = 0;

/**
 * Runs the user's mesh.config.ts and finds its Mesh: the default export, or else the only
 * exported Mesh. The file is re-evaluated on every call (a fresh module URL), so that a
 * long-lived process (tests, watch mode) always sees the current file.
 */
export async function loadMeshConfig(configPath: string): Promise<LoadResult> {
  const file = resolve(configPath);
  if (!existsSync(file)) {
    return { diagnostics: [loadError('WEFT002', `cannot find ${configPath}`, file, undefined, 'run weft from the folder that holds mesh.config.ts, or pass --config')] };
  }
  let exports: Record<string, unknown>;
  try {
    exports = await import(`${pathToFileURL(file).href}?weft-load=${++generation}`);
  } catch (error) {
    return { diagnostics: [fromLoadError(error, file)] };
  }
  const meshes = [exports.default, ...Object.values(exports)].filter((v): v is Mesh => v instanceof Mesh);
  const mesh = meshes[0];
  if (!mesh) {
    return {
      diagnostics: [loadError('WEFT003', `${configPath} exports no Mesh`, file, { line: 1, column: 1 }, 'end the file with `export default mesh;`')],
    };
  }
  return { mesh, diagnostics: [] };
}

function loadError(code: string, message: string, file: string, at: { line: number; column: number } | undefined, hint: string): Diagnostic {
  return { code, severity: 'error', message, path: '', location: at && { file, ...at }, hint };
}

/** A throw or a syntax error while evaluating the file becomes WEFT002 at the line it came from. */
function fromLoadError(error: unknown, file: string): Diagnostic {
  const err = error as { message?: string; stack?: string; errors?: Array<{ text: string; location?: { line: number; column: number } }> };
  // esbuild (used by tsx) reports syntax errors with a structured location (0-based column).
  const esbuild = err.errors?.[0];
  if (esbuild?.location) {
    return loadError('WEFT002', `syntax error: ${esbuild.text}`, file, { line: esbuild.location.line, column: esbuild.location.column + 1 }, 'fix the TypeScript syntax');
  }
  // Strip ANSI colours: loaders print code frames in colour.
  const text = String(err.message ?? error).replace(/\x1b\[[0-9;]*m/g, '');
  // The loader names the file absolutely (tsx) or relative to its root (vite); match the tail.
  const at = new RegExp(`(?:^|[\\s(/\\\\])${escapeRegExp(basename(file))}(?:\\?[^:\\s]*)?:(\\d+):(\\d+)`);
  const m = at.exec(text) ?? at.exec(err.stack ?? '');
  return loadError(
    'WEFT002',
    `${basename(file)} failed to load: ${firstLine(text)}`,
    file,
    m ? { line: Number(m[1]), column: Number(m[2]) } : undefined,
    'fix the error at that line; mesh.config.ts must run without throwing',
  );
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The first meaningful line of a loader error (vite puts the reason on the second line). */
function firstLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const head = lines[0] ?? text;
  return /^Transform failed/.test(head) && lines[1] ? `syntax error: ${lines[1].replace(/^\[\w+\]\s*/, '')}` : head;
}
