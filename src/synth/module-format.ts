import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Whether Node loads this package file as an ES module: `.mjs`, or `.js` under a package.json
 * whose `type` is `module` (the nearest one up the tree); otherwise CommonJS. Used where Weft
 * requires a CommonJS package instead of importing it, which costs Node's ES module loader a
 * lexer pass over every file the package re-exports (src/cli/build.mjs, config-bundle.ts).
 * @see https://nodejs.org/api/packages.html#determining-module-system
 */
export function isEsModuleFile(file: string): boolean {
  if (file.endsWith('.mjs')) return true;
  if (!file.endsWith('.js')) return false;
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (statSync(pkg, { throwIfNoEntry: false })?.isFile()) return (JSON.parse(readFileSync(pkg, 'utf8')) as { type?: string }).type === 'module';
  }
  return false;
}
