import { fileURLToPath } from 'node:url';
import { dirname, resolve, sep } from 'node:path';
import type { SourceLocation } from '../model/common';

const WEFT_SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..') + sep;
const FRAME = /\(?((?:file:\/\/)?[^\s()]+?):(\d+):(\d+)\)?$/;

/**
 * The place in the user's code that created a construct: the first stack frame outside
 * Weft's own sources and node_modules. tsx and vitest install source maps, so the line and
 * column point into `mesh.config.ts` itself.
 */
export function captureLocation(): SourceLocation {
  const limit = Error.stackTraceLimit;
  // Weft's own frames above the user's are few (capture, base class, construct, factory
  // method); a short stack keeps source-mapping cheap, which matters at 10,000 services.
  Error.stackTraceLimit = 12;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  for (const line of stack.split('\n').slice(1)) {
    const m = FRAME.exec(line.trim());
    if (!m) continue;
    const file = m[1]!.startsWith('file://') ? fileURLToPath(m[1]!) : m[1]!;
    if (file.startsWith('node:') || file.startsWith(WEFT_SRC) || file.includes(`${sep}node_modules${sep}`)) continue;
    return { file, line: Number(m[2]), column: Number(m[3]) };
  }
  return { file: '<unknown>', line: 1, column: 1 };
}
