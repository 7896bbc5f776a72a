/**
 * Reads a config file as UTF-8 text through `node:fs`'s callback API, which every Node process
 * has loaded at start. Why not `node:fs/promises`: requiring it loads Node's promise-based file
 * handles with `readline`'s interface and the REPL history behind them (`process.moduleLoadList`),
 * 1.0 MB RSS on Node 24 for a proxy that reads one file at start and at each reload
 * (docs/performance.md, "Proxy memory on Node 24"). Same bytes, same errors (`ENOENT`, `EISDIR`, …).
 * @see https://nodejs.org/api/fs.html#fsreadfilepath-options-callback
 */
import { readFile } from 'node:fs';

export function readText(file: string): Promise<string> {
  return new Promise((resolve, reject) => readFile(file, 'utf8', (e, text) => (e ? reject(e) : resolve(text))));
}
