/**
 * The unconsumed bytes of a connection. A head that arrives in pieces is appended into a
 * growing arena (doubling), so that a client trickling a 60 KiB head one byte at a time costs
 * linear, not quadratic, copying; together with the head scanner resuming where it stopped
 * (syntax.ts findHeadEnd) a slowloris client costs O(head size) until its timer fires. The
 * common case — a whole message in one read — copies nothing. Bytes already handed out (body
 * payload views) are never overwritten: appends only write past the arena's used end.
 *
 * A socket read with `onread` (cluster/http1-upstream.ts) hands out one buffer that the next
 * read overwrites: what is left unconsumed after such a read is moved into the arena with
 * `retain`, so `bytes` never points into memory the socket reuses.
 */

const EMPTY = Buffer.alloc(0);
const MIN_ARENA = 4096;

export class ReadBuffer {
  /** The unconsumed bytes. */
  bytes: Buffer = EMPTY;
  private arena: Buffer | null = null;
  private used = 0;

  get length(): number {
    return this.bytes.length;
  }

  append(chunk: Buffer): void {
    const cur = this.bytes;
    if (cur.length === 0) {
      this.bytes = chunk;
      return;
    }
    const arena = this.arena;
    if (arena !== null && cur.buffer === arena.buffer && cur.byteOffset + cur.length === arena.byteOffset + this.used && this.used + chunk.length <= arena.length) {
      chunk.copy(arena, this.used);
      this.used += chunk.length;
      this.bytes = arena.subarray(cur.byteOffset - arena.byteOffset, this.used);
      return;
    }
    const next = Buffer.allocUnsafeSlow(Math.max(MIN_ARENA, 2 * (cur.length + chunk.length)));
    cur.copy(next, 0);
    chunk.copy(next, cur.length);
    this.arena = next;
    this.used = cur.length + chunk.length;
    this.bytes = next.subarray(0, this.used);
  }

  /** Copies the unconsumed bytes into the arena when they are a view of `reused` (a read buffer the socket will overwrite). */
  retain(reused: Buffer): void {
    const cur = this.bytes;
    if (cur.length === 0 || cur.buffer !== reused.buffer) return;
    const next = Buffer.allocUnsafeSlow(Math.max(MIN_ARENA, 2 * cur.length));
    cur.copy(next, 0);
    this.arena = next;
    this.used = cur.length;
    this.bytes = next.subarray(0, cur.length);
  }

  /** Drops the first `n` bytes. */
  consume(n: number): void {
    if (n >= this.bytes.length) {
      this.bytes = EMPTY;
      this.arena = null;
      this.used = 0;
    } else this.bytes = this.bytes.subarray(n);
  }

  clear(): void {
    this.consume(this.bytes.length);
  }
}
