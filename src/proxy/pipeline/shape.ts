/**
 * Leaky-bucket shaping: requests leave at a steady rate (`requests` per `perMs`, one every
 * perMs / requests ms) in arrival order. A request that cannot leave at once waits in a queue
 * of at most `maxQueue`; one more is answered 429 `local_rate_limited` with flag RL (as the
 * token bucket's rejection, so a fallback `on: ['rate-limited']` answers it too). A request
 * whose client goes away while it waits leaves the queue. Envoy has no leaky bucket: its
 * local_ratelimit only rejects.
 * @see https://en.wikipedia.org/wiki/Leaky_bucket#As_a_queue
 */
import type { ShapingConfig } from '../config/degradation-schema';
import type { Exchange } from '../exchange';
import { localReply, type Dispatch, type Handler, type Step } from './types';
import { monotonicMs } from '../clock';

interface Waiting {
  ex: Exchange;
  handler: Handler;
  next: Dispatch;
  gone: boolean;
}

export class LeakyBucket {
  readonly intervalMs: number;
  private readonly queue: Waiting[] = [];
  private nextRelease = 0;
  private timer: NodeJS.Timeout | null = null;
  /** Requests answered 429 because the queue was full. */
  overflows = 0;

  constructor(private readonly config: ShapingConfig) {
    this.intervalMs = config.perMs / config.requests;
  }

  get queued(): number {
    return this.queue.length;
  }

  offer(ex: Exchange, handler: Handler, next: Dispatch): void {
    const now = monotonicMs();
    if (this.queue.length === 0 && now >= this.nextRelease) {
      this.nextRelease = now + this.intervalMs;
      return next(ex, handler);
    }
    if (this.queue.length >= this.config.maxQueue) {
      this.overflows++;
      ex.addFlag('RL');
      return localReply(handler, 429, ['content-type', 'text/plain', 'x-weft-ratelimited', 'true'], 'local_rate_limited');
    }
    const w: Waiting = { ex, handler, next, gone: false };
    handler.onConnect({
      abort: (error) => {
        if (w.gone) return;
        w.gone = true;
        const i = this.queue.indexOf(w);
        if (i >= 0) this.queue.splice(i, 1);
        handler.onError(error);
      },
    });
    this.queue.push(w);
    this.schedule();
  }

  private schedule(): void {
    if (this.timer !== null || this.queue.length === 0) return;
    this.timer = setTimeout(() => this.release(), Math.max(0, this.nextRelease - monotonicMs()));
  }

  private release(): void {
    this.timer = null;
    const w = this.queue.shift();
    if (w) {
      this.nextRelease = Math.max(monotonicMs(), this.nextRelease) + this.intervalMs;
      w.gone = true;
      w.next(w.ex, w.handler);
    }
    this.schedule();
  }
}

export function shapeStep(bucket: LeakyBucket): Step {
  return (next) => (ex, handler) => bucket.offer(ex, handler, next);
}
