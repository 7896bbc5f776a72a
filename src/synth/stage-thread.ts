import { Worker } from 'node:worker_threads';

/** Files per message to the thread: one message per file would cost more to post than to write. */
const FILES_PER_BATCH = 128;
/**
 * Batches posted and not yet written before the compile thread waits (about 10,000 files,
 * ~12 MB at 1,000 services): the thread writes faster than the compile produces, so this only
 * bounds the memory that a slow disk would otherwise fill with queued files.
 */
const MAX_BATCHES_IN_FLIGHT = 80;
/** How long the compile thread waits for one batch to be written before it gives up on the thread. */
const STALL_LIMIT_MS = 120_000;

export interface StagingThreadSettings {
  /** dist/, compared with. */
  root: string;
  staging: string;
  /** dist/ did not exist: every file is added, none is compared. */
  fresh: boolean;
  /** Compare only (`weft synth --check`). */
  dryRun: boolean;
}

export interface StagedByThread {
  added: string[];
  changed: string[];
}

/**
 * Compares and writes a compile's files on a worker thread (stage-thread-worker.mjs), so that the
 * file system's work — an open, a write and a close per file, 42,000 files at 1,000 services,
 * ~1.2 s of system CPU on a clean ext4 (docs/performance.md) — runs on the second core while the
 * compile thread serializes the next files. The thread is the same code as the inline path
 * (stage-files.mjs); only where it runs differs. Files are posted in batches (one transferred
 * UTF-8 buffer each); a bounded number of batches is in flight, waited on with `Atomics.wait`.
 */
export class StagingThread {
  private readonly worker: Worker;
  private readonly inFlight = new Int32Array(new SharedArrayBuffer(4));
  private readonly result: Promise<StagedByThread & { failure?: { message: string; code?: string } }>;
  private rels: string[] = [];
  private contents: string[] = [];

  constructor(settings: StagingThreadSettings) {
    this.worker = new Worker(new URL('./stage-thread-worker.mjs', import.meta.url), { workerData: { ...settings, inFlight: this.inFlight.buffer } });
    this.result = new Promise((resolve, reject) => {
      this.worker.once('message', resolve);
      this.worker.once('error', reject);
      this.worker.once('exit', (code) => reject(new Error(`the staging thread ended before it reported (exit code ${code})`)));
    });
    // Read by settle(); a compile that ends in errors never asks.
    this.result.catch(() => {});
  }

  offer(rel: string, content: string): void {
    this.rels.push(rel);
    this.contents.push(content);
    if (this.rels.length >= FILES_PER_BATCH) this.post();
  }

  /** Every offered file compared and written; rejects with the first write's error. */
  async settle(): Promise<StagedByThread> {
    this.post();
    this.worker.postMessage({ end: true });
    try {
      const { added, changed, failure } = await this.result;
      if (failure) throw Object.assign(new Error(failure.message), { code: failure.code });
      return { added, changed };
    } finally {
      await this.worker.terminate();
    }
  }

  /** Stops the thread without waiting for it (a compile with errors stages nothing). */
  abandon(): void {
    void this.worker.terminate();
  }

  private post(): void {
    if (this.rels.length === 0) return;
    let waited = 0;
    for (let n = Atomics.load(this.inFlight, 0); n >= MAX_BATCHES_IN_FLIGHT; n = Atomics.load(this.inFlight, 0)) {
      if (Atomics.wait(this.inFlight, 0, n, 1000) === 'timed-out' && (waited += 1000) >= STALL_LIMIT_MS) {
        throw new Error(`the staging thread wrote nothing for ${STALL_LIMIT_MS / 1000} s`);
      }
    }
    Atomics.add(this.inFlight, 0, 1);
    // The batch's files as one UTF-8 buffer, moved to the thread rather than copied: a structured
    // clone of 128 strings cost more than encoding them (docs/performance.md, "A staging thread"),
    // and the thread writes bytes, so it never decodes them.
    const ends = new Array<number>(this.contents.length);
    let size = 0;
    for (let i = 0; i < this.contents.length; i++) ends[i] = size += Buffer.byteLength(this.contents[i]!);
    const bytes = Buffer.allocUnsafeSlow(size);
    for (let i = 0, at = 0; i < this.contents.length; i++) at += bytes.write(this.contents[i]!, at);
    this.worker.postMessage({ rels: this.rels, bytes, ends }, [bytes.buffer]);
    this.rels = [];
    this.contents = [];
  }
}
