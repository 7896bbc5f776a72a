import { findSourceMap, type SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, resolve, sep } from 'node:path';
import type { SourceLocation } from '../diagnostics/location';

const WEFT_SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..') + sep;
/** The precompiled compiler (lib/weft-compiler.cjs, src/cli/build.mjs): Weft's own frames when it runs from its bundle. */
const WEFT_LIB = resolve(WEFT_SRC, '../lib') + sep;
const FRAME = /\(?((?:file:\/\/)?[^\s()]+?):(\d+):(\d+)\)?$/;
/** Weft's own frames above the user's are few (capture, base class, construct, factory method). */
const FRAMES = 12;

/**
 * The place in the user's code that created a construct: the first stack frame outside
 * Weft's own sources and node_modules. tsx installs source maps, so the line and column point
 * into `mesh.config.ts` itself.
 *
 * This runs for every construct (10,000 services make tens of thousands), so it avoids what
 * makes `new Error().stack` slow: formatting every frame as text and mapping each one through
 * its source map. It takes V8's raw call sites, skips Weft's and dependencies' frames by file
 * name, and maps only the one frame it returns, the way Node maps a frame of a stack trace
 * (`findEntry(line - 1, column - 1)`, @see https://nodejs.org/api/module.html#sourcemapfindentrylineoffset-columnoffset).
 * Where another tool formats stacks itself (a test runner's `Error.prepareStackTrace`, which
 * may map frames its own way), the formatted stack is read instead, as that tool maps it.
 */
export function captureLocation(): SourceLocation {
  const formatter = Error.prepareStackTrace;
  if (formatter !== undefined && !isNodesOwnFormatter(formatter)) return fromFormattedStack();
  const limit = Error.stackTraceLimit;
  const holder: { stack?: NodeJS.CallSite[] } = {};
  Error.stackTraceLimit = FRAMES;
  Error.prepareStackTrace = rawCallSites;
  let sites: NodeJS.CallSite[];
  try {
    Error.captureStackTrace(holder, captureLocation);
    sites = holder.stack ?? [];
  } finally {
    // Node's own formatting (and source mapping) applies again.
    Error.prepareStackTrace = formatter;
    Error.stackTraceLimit = limit;
  }
  for (const site of sites) {
    const name = site.getFileName() ?? site.getScriptNameOrSourceURL();
    if (!name) continue;
    const file = userFile(name);
    if (file === null) continue;
    const line = site.getLineNumber();
    const column = site.getColumnNumber();
    if (line === null || column === null) continue;
    return mapped(name, file, line, column);
  }
  return { file: '<unknown>', line: 1, column: 1 };
}

/**
 * A script's path when it is the user's code, null when it is Node's, Weft's or a dependency's.
 * Remembered per script: every construct walks the same few scripts, and turning a `file://`
 * name into a path parses a URL each time.
 */
const userFiles = new Map<string, string | null>();

function userFile(name: string): string | null {
  let file = userFiles.get(name);
  if (file === undefined) {
    const path = name.startsWith('file://') ? fileURLToPath(name) : name;
    file = isOwnOrDependency(path) ? null : path;
    userFiles.set(name, file);
  }
  return file;
}

function isOwnOrDependency(file: string): boolean {
  return file.startsWith('node:') || file.startsWith(WEFT_SRC) || file.startsWith(WEFT_LIB) || file.includes(`${sep}node_modules${sep}`);
}

const maps = new Map<string, SourceMap | undefined>();

/** One generated position through its file's source map, as Node maps a stack frame. */
function mapped(name: string, file: string, line: number, column: number): SourceLocation {
  if (!maps.has(name)) maps.set(name, findSourceMap(name));
  const entry = maps.get(name)?.findEntry(line - 1, column - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number } | undefined;
  if (!entry?.originalSource || entry.originalLine === undefined || entry.originalColumn === undefined) return { file, line, column };
  const source = entry.originalSource.startsWith('file://') ? fileURLToPath(entry.originalSource) : entry.originalSource;
  return { file: source, line: entry.originalLine + 1, column: entry.originalColumn + 1 };
}

const rawCallSites = (_error: Error, sites: NodeJS.CallSite[]): NodeJS.CallSite[] => sites;

/**
 * Node 20 and later expose their own default formatter as `Error.prepareStackTrace` (named
 * `ErrorPrepareStackTrace` in lib/internal/errors.js), so "is it set" does not tell a test
 * runner's formatter from Node's. Reading the formatted stack under Node's formatter formats
 * and source-maps every frame: 7.8% of the compile child's CPU at 1,000 services
 * (docs/performance.md, "Construct locations from raw call sites").
 */
function isNodesOwnFormatter(formatter: NonNullable<ErrorConstructor['prepareStackTrace']>): boolean {
  return formatter.name === 'ErrorPrepareStackTrace';
}

function fromFormattedStack(): SourceLocation {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = FRAMES;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  for (const line of stack.split('\n').slice(1)) {
    const m = FRAME.exec(line.trim());
    if (!m) continue;
    const file = userFile(m[1]!);
    if (file === null) continue;
    return { file, line: Number(m[2]), column: Number(m[3]) };
  }
  return { file: '<unknown>', line: 1, column: 1 };
}
