// The file-level steps of staging dist/ (write.ts `DistStage`), shared by the compile child's
// main thread and its staging thread (stage-thread-worker.mjs). Plain JavaScript, so that the
// worker runs it natively both from the sources and beside the precompiled bundle.
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Whether `content` (text, or its UTF-8 bytes) is what dist/ holds at `file`. The size decides
 * first (Buffer.byteLength is a count, not an encoding; a stat reads no data), so a changed file
 * of another size is never read; files of equal size are compared byte for byte.
 * @param {string} file
 * @param {string | Buffer} content
 * @returns {'added' | 'changed' | 'same'}
 */
export function compareWithDist(file, content) {
  // An absent file is the common case in a new environment's folder: no exception for it.
  let stat;
  try {
    stat = statSync(file, { throwIfNoEntry: false });
  } catch {
    return 'added'; // a file where a folder of the path should be (ENOTDIR)
  }
  if (!stat) return 'added';
  if (!stat.isFile()) return 'changed';
  const bytes = typeof content === 'string' ? Buffer.byteLength(content) : content.length;
  if (stat.size !== bytes) return 'changed';
  return readFileSync(file).equals(typeof content === 'string' ? Buffer.from(content) : content) ? 'same' : 'changed';
}

/**
 * Writes one staged file, creating its folder the first time (`made` remembers the folders).
 * @param {string} staging
 * @param {string} rel
 * @param {string | Buffer} content
 * @param {Set<string>} made
 */
export function stageFile(staging, rel, content, made) {
  const file = join(staging, rel);
  const dir = dirname(file);
  if (!made.has(dir)) {
    mkdirSync(dir, { recursive: true });
    made.add(dir);
  }
  writeFileSync(file, content);
  faultPoint();
}

/**
 * Fault injection for the crash test (test/synth/write-crash.test.ts): with
 * `WEFT_TEST_WRITE_KILL_AFTER=N` in the environment, the process kills itself with SIGKILL
 * after its N-th file operation (a staged write, a move into dist/, a removal) in one thread,
 * as a crash or the OOM killer would. Off (one comparison per file) otherwise.
 */
const KILL_AFTER = Number(process.env.WEFT_TEST_WRITE_KILL_AFTER ?? 0);
let operations = 0;
export function faultPoint() {
  if (KILL_AFTER > 0 && ++operations >= KILL_AFTER) process.kill(process.pid, 'SIGKILL');
}
