// The file-level steps of staging dist/ (write.ts `DistStage`), shared by the compile child's
// main thread and its staging thread (stage-thread-worker.mjs). Plain JavaScript, so that the
// worker runs it natively both from the sources and beside the precompiled bundle.
import { copyFileSync, linkSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
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
  const file = inFolder(staging, rel, made);
  writeFileSync(file, content);
  faultPoint();
}

/**
 * Stages `rel`, whose content is that of `twin`, a file offered before it in the same synth
 * (the verification overlay's copy of an environment's file, `dist/verify/<env>/…` beside
 * `dist/<env>/…`), as a hard link to the twin's staged file: a directory entry instead of a
 * new inode and a write, and nothing for the compile thread to encode (docs/performance.md,
 * "Overlay twins as hard links"). When the twin was not staged (it is unchanged in dist/) or the
 * file system has no hard links, the content is written (`content`) or copied from the staged
 * twin. The commit moves each name by `rename`, which keeps the link; a later synth that changes
 * one of the two replaces that name by a new file, so the other keeps its own content.
 * @param {string} staging
 * @param {string} rel
 * @param {string} twin
 * @param {string | Buffer | undefined} content undefined: the twin is known to be staged (a fresh dist/)
 * @param {Set<string>} made
 */
export function stageTwin(staging, rel, twin, content, made) {
  const file = inFolder(staging, rel, made);
  try {
    linkSync(join(staging, twin), file);
  } catch {
    if (content === undefined) copyFileSync(join(staging, twin), file);
    else writeFileSync(file, content);
  }
  faultPoint();
}

/** The staged path of `rel`, its folder created the first time (`made` remembers the folders). */
function inFolder(staging, rel, made) {
  const file = join(staging, rel);
  const dir = dirname(file);
  if (!made.has(dir)) {
    mkdirSync(dir, { recursive: true });
    made.add(dir);
  }
  return file;
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
