import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Diagnostic } from '../diagnostics/diagnostic';
import { Mesh } from '../constructs/mesh';
import { DeepImportError } from './config-bundle';

export interface LoadResult {
  mesh?: Mesh;
  diagnostics: Diagnostic[];
  /**
   * The Weft source file (other than the public API) the config imports, when that is why it
   * did not load in the precompiled child (config-bundle.ts): the parent compiles from the sources.
   */
  deepImport?: string;
}

/** How a config module is imported: natively (through whatever loader the process has), or bundled (config-bundle.ts). */
export type ConfigImporter = (file: string) => Promise<Record<string, unknown>>;

let generation = 0;

/**
 * A fresh module URL on every call: the file and (public-api-hook.mjs) the files it imports are
 * evaluated again. From the sources only: the precompiled compiler runs from V8's code cache,
 * where Node 20 has no `import()`, and always passes its own importer (compile-child.mjs).
 */
const importFresh: ConfigImporter = (file) => import(`${pathToFileURL(file).href}?weft-load=${++generation}`);

let processImporter: ConfigImporter = importFresh;

/**
 * How this process imports mesh.config.ts by default. The precompiled commands
 * (src/cli/commands-bundle.ts) run without a TypeScript loader and set the bundling importer
 * (config-bundle.ts) once at start; from the sources, tsx's loader imports it natively.
 */
export function setConfigImporter(importer: ConfigImporter): void {
  processImporter = importer;
}

/**
 * Runs the user's mesh.config.ts and finds its Mesh: the default export, or else the only
 * exported Mesh. The file is re-evaluated on every call (a fresh module URL, or a fresh bundle),
 * so that a long-lived process (tests, watch mode) always sees the current file.
 */
export async function loadMeshConfig(configPath: string, importConfig: ConfigImporter = processImporter): Promise<LoadResult> {
  const file = resolve(configPath);
  if (!existsSync(file)) {
    return { diagnostics: [loadError('WEFT002', `cannot find ${configPath}`, file, undefined, 'run weft from the folder that holds mesh.config.ts, or pass --config')] };
  }
  let exports: Record<string, unknown>;
  try {
    exports = await importConfig(file);
  } catch (error) {
    if (error instanceof DeepImportError) {
      if (error.rerun) throw error;
      return { diagnostics: [], deepImport: error.file };
    }
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
  const thrown = describeThrown(error, file);
  if (thrown.syntax) return loadError('WEFT002', `syntax error: ${thrown.text}`, file, thrown.at, 'fix the TypeScript syntax');
  return loadError(
    'WEFT002',
    `${basename(file)} failed to load: ${thrown.text}`,
    file,
    thrown.at ?? { line: 1, column: 1 },
    thrown.at ? 'fix the error at that line; mesh.config.ts must run without throwing' : 'mesh.config.ts threw a value that is not an Error, so its line is unknown; throw an Error, or remove the throw',
  );
}

export interface ThrownValue {
  /** One line describing the value. */
  text: string;
  /** Where in `file` it was thrown, from the stack or the loader's structured location; never from message text. */
  at?: { line: number; column: number };
  syntax: boolean;
}

/**
 * What a thrown value says, for any value a file can throw: an Error, null, undefined, a
 * Symbol, an object whose getters throw. The location comes only from structured data (the
 * esbuild error list, the stack frames below the message), so that text inside a message such
 * as "mesh.config.ts:99:1" cannot move it.
 */
export function describeThrown(error: unknown, file: string): ThrownValue {
  const get = (key: string): unknown => {
    try {
      return error !== null && (typeof error === 'object' || typeof error === 'function') ? (error as Record<string, unknown>)[key] : undefined;
    } catch {
      return undefined;
    }
  };
  // esbuild (used by tsx) reports syntax errors with a structured location (0-based column).
  const errors = get('errors');
  const esbuild = Array.isArray(errors) ? (errors[0] as { text?: unknown; location?: { line?: unknown; column?: unknown } } | undefined) : undefined;
  if (esbuild && typeof esbuild.location?.line === 'number' && typeof esbuild.location.column === 'number') {
    return { text: String(esbuild.text), at: { line: esbuild.location.line, column: esbuild.location.column + 1 }, syntax: true };
  }
  const message = get('message');
  // Strip ANSI colours: loaders print code frames in colour.
  const text = (typeof message === 'string' ? firstLine(message) : safeString(error)).replace(/\x1b\[[0-9;]*m/g, '');
  const stack = get('stack');
  const frames = typeof stack === 'string' ? stackFrames(stack, typeof message === 'string' ? message : '') : '';
  // The loader names the file absolutely (tsx) or relative to its root (vite); match the tail.
  const at = new RegExp(`(?:^|[\\s(/\\\\])${escapeRegExp(basename(file))}(?:\\?[^:\\s]*)?:(\\d+):(\\d+)`, 'm');
  // A loader's own transform error (vite) names the place in its message; a user's throw never moves the location.
  const transform = typeof message === 'string' && /^Transform failed/.test(message.replace(/\x1b\[[0-9;]*m/g, '').trim());
  const m = at.exec(frames) ?? (transform ? at.exec(String(message).replace(/\x1b\[[0-9;]*m/g, '')) : null);
  return { text: transform ? text.replace(/^syntax error: /, '') : text, at: m ? { line: Number(m[1]), column: Number(m[2]) } : undefined, syntax: transform };
}

/** The `at …` lines of a stack, without the message it starts with. */
function stackFrames(stack: string, message: string): string {
  const body = message && stack.includes(message) ? stack.slice(stack.indexOf(message) + message.length) : stack;
  return body
    .split('\n')
    .filter((l) => /^\s+at /.test(l))
    .join('\n');
}

/** `String(value)`, for values whose conversion throws (a throwing toString, a Symbol.toPrimitive). */
function safeString(value: unknown): string {
  try {
    if (typeof value === 'symbol') return value.toString();
    if (value === null || value === undefined) return `threw ${String(value)}`;
    if (typeof value === 'object') return `threw a non-Error object ${JSON.stringify(value)?.slice(0, 200) ?? ''}`.trim();
    return `threw ${typeof value} ${String(value).slice(0, 200)}`;
  } catch {
    return 'threw a value that cannot be printed';
  }
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
