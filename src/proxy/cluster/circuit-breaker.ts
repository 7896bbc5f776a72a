/**
 * Connection-pool limits of a service (Envoy circuit breakers, configured from Istio's
 * `connectionPool`): at most `maxConnections` requests run upstream at once (HTTP/1.1, one
 * request per connection); up to `maxPendingRequests` more wait in a FIFO queue for one to
 * finish; `maxRequests` caps both together. Anything beyond overflows: the caller answers
 * 503 with response flag UO and `x-envoy-overloaded: true`, like Envoy.
 * @see https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/circuit_breaking
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#ConnectionPoolSettings
 */
import type { ConnectionPoolConfig } from '../config/schema';

export interface Waiter {
  run(): void;
}

export class CircuitBreaker {
  active = 0;
  private readonly queue: Waiter[] = [];
  private head = 0;
  /** Requests rejected with UO (exported as a metric). */
  overflows = 0;
  private readonly maxActive: number;
  private readonly maxPending: number;
  private readonly maxTotal: number;

  constructor(config: ConnectionPoolConfig | undefined) {
    this.maxActive = config?.maxConnections ?? Infinity;
    this.maxPending = config?.maxPendingRequests ?? Infinity;
    this.maxTotal = config?.maxRequests ?? Infinity;
  }

  get pending(): number {
    return this.queue.length - this.head;
  }

  /** Returns 'run' (go now), 'queued' (w.run() is called later) or 'overflow'. */
  acquire(w: Waiter): 'run' | 'queued' | 'overflow' {
    const total = this.active + this.pending;
    if (total >= this.maxTotal) return this.overflow();
    if (this.active < this.maxActive && this.pending === 0) {
      this.active++;
      return 'run';
    }
    if (this.pending >= this.maxPending) return this.overflow();
    this.queue.push(w);
    return 'queued';
  }

  private overflow(): 'overflow' {
    this.overflows++;
    return 'overflow';
  }

  /** A running request finished: hand its slot to the oldest waiter. */
  release(): void {
    this.active--;
    while (this.head < this.queue.length && this.active < this.maxActive) {
      const w = this.queue[this.head]!;
      this.queue[this.head++] = undefined as unknown as Waiter;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      this.active++;
      w.run();
    }
  }

  /** A waiter gave up (timeout, client gone) before it ran. */
  cancel(w: Waiter): boolean {
    const i = this.queue.indexOf(w, this.head);
    if (i === -1) return false;
    this.queue.splice(i, 1);
    return true;
  }
}
