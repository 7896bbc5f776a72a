/**
 * Structured access logs: one JSON object per line (formatted by access-log-line.ts). Lines are
 * buffered and written every `flushIntervalMs` (50 ms) or when 64 KiB are waiting, so logging
 * costs a few string appends and an array push on the request path; a write per request (or per
 * event-loop turn) measurably cost throughput in the benchmark.
 * If the destination cannot keep up, at most `maxBuffered` bytes wait; beyond that lines are
 * dropped and counted (weft_proxy_access_log_dropped_total) rather than growing memory.
 * @see https://istio.io/latest/docs/tasks/observability/logs/access-log/#default-access-log-format
 */
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';

export class AccessLogger {
  private buffer: string[] = [];
  private bytes = 0;
  private scheduled = false;
  private blocked = false;
  dropped = 0;

  constructor(
    private readonly out: Writable,
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
    return new AccessLogger(createWriteStream(target.path, { flags: 'a' }), true);
  }

  /** Queues one line (ending in a newline; see access-log-line.ts). */
  write(line: string): void {
    if (this.bytes > this.maxBuffered) {
      this.dropped++;
      return;
    }
    this.buffer.push(line);
    this.bytes += line.length;
    if (this.bytes >= 65536) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setTimeout(this.flush, this.flushIntervalMs).unref();
    }
  }

  readonly flush = (): void => {
    this.scheduled = false;
    if (this.blocked || this.buffer.length === 0) return;
    const chunk = this.buffer.join('');
    this.buffer = [];
    this.bytes = 0;
    if (!this.out.write(chunk)) this.blocked = true;
  };

  async close(): Promise<void> {
    this.blocked = false;
    this.flush();
    if (!this.ownsStream) return;
    await new Promise<void>((resolve) => this.out.end(resolve));
  }
}
