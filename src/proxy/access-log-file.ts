/**
 * The access log's file sink: each sealed 64 KiB chunk (access-log.ts) is written with one
 * `fs.writeSync` on the event loop's thread. `fs.createWriteStream` handed every chunk to
 * libuv's thread pool instead — a futex wake-up of a worker, the write on that thread, an
 * eventfd signal back and a completion callback through the stream machinery — and that
 * hand-off cost more CPU than the write itself: 3.5–4% of the proxy's CPU under the
 * benchmark's load (`perf record` of bench/proxy/instructions.ts), against one system call per
 * ~100 requests now. A write of a chunk into the page cache takes tens of microseconds.
 *
 * Synchronous file writes are what Node itself does for `process.stdout` on files and pipes
 * (the other access-log sink, `accessLog: true`), and what pino's `pino.destination()` does by
 * default (sonic-boom `sync: true`), batching lines for the same reason.
 * @see https://nodejs.org/api/process.html#a-note-on-process-io
 * @see https://github.com/pinojs/sonic-boom#api
 *
 * A failed open or write (missing directory, ENOSPC, EIO) reports `error` once and refuses
 * every later chunk, as a failed stream does: the logger then keeps at most its buffer bound
 * and counts the lines it drops (weft_proxy_access_log_dropped_total).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { LogSink } from './access-log';

export class SyncFileSink implements LogSink {
  private fd = -1;
  private failure: Error | null = null;
  private readonly onError: Array<() => void> = [];

  constructor(path: string) {
    try {
      this.fd = openSync(path, 'a');
    } catch (error) {
      this.failure = error as Error;
    }
  }

  write(chunk: Buffer): boolean {
    if (this.failure !== null) return false;
    try {
      // A regular file takes the whole chunk at once; a pipe or a full device may take less.
      for (let at = 0; at < chunk.length; ) at += writeSync(this.fd, chunk, at, chunk.length - at);
      return true;
    } catch (error) {
      this.fail(error as Error);
      return false;
    }
  }

  on(event: 'drain' | 'error', listener: () => void): this {
    if (event !== 'error') return this; // writes are synchronous: never blocked, never drained
    this.onError.push(listener);
    // Opening failed before anyone listened: tell the listener on the next tick, as a stream would.
    if (this.failure !== null) process.nextTick(listener);
    return this;
  }

  end(done: () => void): this {
    if (this.fd !== -1) {
      try {
        closeSync(this.fd);
      } catch {
        // already unusable: nothing more to write
      }
      this.fd = -1;
    }
    this.failure ??= new Error('access log closed');
    process.nextTick(done);
    return this;
  }

  private fail(error: Error): void {
    this.failure = error;
    for (const f of this.onError) f();
  }
}
