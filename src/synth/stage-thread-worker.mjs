// The staging thread of a compile child (stage-thread.ts): compares each offered file with
// dist/ and writes the added and changed ones into the staging folder, while the compile
// thread goes on serializing the next ones.
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { compareWithDist, stageFile } from './stage-files.mjs';

const { root, staging, fresh, dryRun, inFlight } = workerData;
const batchesInFlight = new Int32Array(inFlight);
const made = new Set();
const added = [];
const changed = [];
/** The first failure (a full disk, no permission): nothing more is written, as in the inline path. */
let failure;

parentPort.on('message', (message) => {
  if (message.end) {
    parentPort.postMessage({ added, changed, failure });
    parentPort.close();
    return;
  }
  const { rels, bytes, ends } = message;
  const batch = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < rels.length && failure === undefined; i++) {
    try {
      const content = batch.subarray(i === 0 ? 0 : ends[i - 1], ends[i]);
      const state = fresh ? 'added' : compareWithDist(join(root, rels[i]), content);
      if (state === 'same') continue;
      (state === 'added' ? added : changed).push(rels[i]);
      if (!dryRun) stageFile(staging, rels[i], content, made);
    } catch (error) {
      failure = { message: error instanceof Error ? error.message : String(error), code: error?.code };
    }
  }
  Atomics.sub(batchesInFlight, 0, 1);
  Atomics.notify(batchesInFlight, 0);
});
