/**
 * The deadlines of one duration (a route's timeout, its per-try timeout, or a listener's idle
 * timeout for its keep-alive connections, server/http1/connection.ts). Every entry expires
 * `ms` after it was added, so entries are in expiry order simply by being appended, and one Node
 * timer armed for the oldest serves them all. Adding and removing are O(1) on an intrusive
 * doubly-linked list: no Timeout object, no closure and no libuv clock read per request — the
 * two timers of a request cost ~3 µs of CPU with `setTimeout`/`clearTimeout`
 * (bench/proxy/features.ts). Node's own timers keep one list per duration the same way.
 * An entry never expires early; it may expire up to a timer tick (~1 ms) late, as with setTimeout.
 * The timer is unref'd: a request in flight keeps the process alive through its sockets (as
 * Node's own socket timeouts do), and an idle list must not hold a draining proxy open.
 */
import { monotonicMs } from '../clock';

/** What a deadline list holds: the entry's own links (no wrapper object per request). */
export interface DeadlineEntry {
  /** monotonicMs() at which the entry expires; set by `add`. */
  expiresAt: number;
  prevDeadline: DeadlineEntry | null;
  nextDeadline: DeadlineEntry | null;
  /** True while the entry is in a list. */
  inDeadlineList: boolean;
  /** Called once when the deadline passes while the entry is still in the list. */
  expire(): void;
}

export class DeadlineList {
  private head: DeadlineEntry | null = null;
  private tail: DeadlineEntry | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(readonly ms: number) {}

  add(e: DeadlineEntry): void {
    e.expiresAt = monotonicMs() + this.ms;
    e.prevDeadline = this.tail;
    e.nextDeadline = null;
    e.inDeadlineList = true;
    if (this.tail === null) this.head = e;
    else this.tail.nextDeadline = e;
    this.tail = e;
    if (this.timer === null) this.timer = setTimeout(this.fire, this.ms).unref();
  }

  remove(e: DeadlineEntry): void {
    if (!e.inDeadlineList) return;
    e.inDeadlineList = false;
    if (e.prevDeadline === null) this.head = e.nextDeadline;
    else e.prevDeadline.nextDeadline = e.nextDeadline;
    if (e.nextDeadline === null) this.tail = e.prevDeadline;
    else e.nextDeadline.prevDeadline = e.prevDeadline;
    e.prevDeadline = null;
    e.nextDeadline = null;
    // The timer stays armed: when it fires with nothing due it re-arms for the new head, or
    // stops when the list is empty (a timer per removal would cost what this list saves).
  }

  /** Entries in the list (tests). */
  get size(): number {
    let n = 0;
    for (let e = this.head; e !== null; e = e.nextDeadline) n++;
    return n;
  }

  private readonly fire = (): void => {
    this.timer = null;
    const now = monotonicMs();
    let e = this.head;
    while (e !== null && e.expiresAt <= now) {
      this.remove(e);
      e.expire();
      e = this.head;
    }
    if (this.head !== null && this.timer === null) this.timer = setTimeout(this.fire, Math.max(1, Math.ceil(this.head.expiresAt - now))).unref();
  };
}
