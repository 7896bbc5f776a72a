/**
 * Structured access logs: one JSON object per line (access-log-line.ts). Each line is UTF-8
 * encoded once, straight into a 64 KiB chunk — the request path encodes its fields in place
 * (`reserve`/`commit`, no line string at all), `write` takes a ready string; a chunk is written when full or every
 * `flushIntervalMs` (50 ms), so logging costs one encode per request and one write per chunk (a
 * write per request, or joining line strings and re-encoding them, measurably cost CPU in
 * bench/proxy/features.ts). A file destination is written synchronously, one system call per
 * chunk, without libuv's thread pool (access-log-file.ts).
 * If the destination cannot keep up, at most `maxBuffered` bytes wait; beyond that lines are
 * dropped and counted (weft_proxy_access_log_dropped_total) rather than growing memory.
 * @see https://istio.io/latest/docs/tasks/observability/logs/access-log/#default-access-log-format
 */
import { SyncFileSink } from './access-log-file';

/**
 * Where the logger's chunks go: a Writable stream (stdout, tests) or a file written
 * synchronously (access-log-file.ts). `write` returning false means blocked until `drain`.
 */
export interface LogSink {
  write(chunk: Buffer): boolean;
  on(event: 'drain' | 'error', listener: () => void): unknown;
  end(done: () => void): unknown;
}

/** Lines are encoded straight into chunks of this size; a full chunk is one write. */
const CHUNK_BYTES = 64 * 1024;
/** UTF-8 takes at most 3 bytes per UTF-16 code unit: a line of n units fits in 3n bytes. */
const MAX_BYTES_PER_UNIT = 3;

export class AccessLogger {
  /** The chunk being filled: each line is UTF-8 encoded into it once, no join, no re-encoding. */
  private chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  private used = 0;
  /** Sealed chunks not yet handed to the stream (it was blocked, or the timer has not fired). */
  private waiting: Buffer[] = [];
  private waitingBytes = 0;
  private scheduled = false;
  private blocked = false;
  dropped = 0;

  constructor(
    private readonly out: LogSink,
    private readonly ownsStream: boolean,
    private readonly maxBuffered = 8 * 1024 * 1024,
    private readonly flushIntervalMs = 50,
  ) {
    out.on('drain', () => {
      this.blocked = false;
      this.flush();
    });
    out.on('error', () => {
      this.blocked = true;
    });
  }

  static open(target: true | { path: string }): AccessLogger {
    if (target === true) return new AccessLogger(process.stdout, false);
    return new AccessLogger(new SyncFileSink(target.path), true);
  }

  /** Queues one line (ending in a newline; see access-log-line.ts). */
  write(line: string): void {
    if (this.waitingBytes + this.used > this.maxBuffered) {
      this.dropped++;
      return;
    }
    const worst = line.length * MAX_BYTES_PER_UNIT;
    if (worst > CHUNK_BYTES - this.used) {
      // The chunk may not hold this line: send it on, and start a new one.
      this.seal();
      if (worst > CHUNK_BYTES) this.queue(Buffer.from(line)); // a huge line (long path): its own buffer
      else this.used = this.chunk.write(line, 0);
      this.flush();
      return;
    }
    this.used += this.chunk.write(line, this.used);
    if (!this.scheduled) {
      this.scheduled = true;
      setTimeout(this.flush, this.flushIntervalMs).unref();
    }
  }

  /**
   * Room for one line of at most `maxBytes`, to be encoded in place (access-log-line.ts
   * `logAccess`): the chunk to write into from `reserved` on, then `commit(end)`. Null when the
   * line is dropped (the sink is more than `maxBuffered` behind), as `write` drops it.
   */
  reserve(maxBytes: number): Buffer | null {
    if (this.waitingBytes + this.used > this.maxBuffered) {
      this.dropped++;
      return null;
    }
    if (maxBytes > CHUNK_BYTES - this.used) {
      // The chunk may not hold this line: send it on, and start a new one (a huge line gets a chunk of its own size).
      this.seal();
      if (maxBytes > CHUNK_BYTES) this.chunk = Buffer.allocUnsafe(maxBytes);
      this.flush();
    }
    return this.chunk;
  }

  /** Where the reserved room starts in the chunk `reserve` returned. */
  get reserved(): number {
    return this.used;
  }

  /** The line reserved for ends at `end` in the chunk. */
  commit(end: number): void {
    this.used = end;
    if (!this.scheduled) {
      this.scheduled = true;
      setTimeout(this.flush, this.flushIntervalMs).unref();
    }
  }

  readonly flush = (): void => {
    this.scheduled = false;
    if (this.blocked) return;
    this.seal();
    if (this.waiting.length === 0) return;
    const chunks = this.waiting;
    this.waiting = [];
    this.waitingBytes = 0;
    for (const c of chunks) if (!this.out.write(c)) this.blocked = true;
  };

  private seal(): void {
    if (this.used === 0) return;
    this.queue(this.chunk.subarray(0, this.used));
    this.chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    this.used = 0;
  }

  private queue(b: Buffer): void {
    this.waiting.push(b);
    this.waitingBytes += b.length;
  }

  async close(): Promise<void> {
    this.blocked = false;
    this.flush();
    if (!this.ownsStream) return;
    await new Promise<void>((resolve) => this.out.end(resolve));
  }
}
