/**
 * Applies the destination service's circuit breaker to one attempt: run now, wait in the
 * pending queue, or overflow (503, flag UO — see cluster/circuit-breaker.ts).
 */
import type { CircuitBreaker, Waiter } from '../cluster/circuit-breaker';
import { UpstreamOverflowError } from '../errors';
import type { Exchange } from '../exchange';
import { DecoratorHandler, type Dispatch, type Handler, type Step } from './types';

class LimitsHandler extends DecoratorHandler implements Waiter {
  private state: 'queued' | 'running' | 'done' = 'running';

  constructor(
    inner: Handler,
    private readonly breaker: CircuitBreaker,
    private readonly next: Dispatch,
    private readonly ex: Exchange,
  ) {
    super(inner);
  }

  enqueue(): void {
    this.state = 'queued';
    // Timeouts and client aborts must be able to cancel a request that waits in the queue (the
    // closure only for a queued request: most run at once).
    this.inner.onConnect((error) => this.cancel(error));
  }

  private cancel(error: Error): void {
    if (this.state !== 'queued') return;
    this.breaker.cancel(this);
    this.state = 'done';
    this.inner.onError(error);
  }

  run(): void {
    this.state = 'running';
    this.next(this.ex, this);
  }

  override onComplete(): void {
    this.release();
    super.onComplete();
  }

  override onError(error: Error): void {
    this.release();
    super.onError(error);
  }

  private release(): void {
    if (this.state !== 'running') return;
    this.state = 'done';
    this.breaker.release();
  }
}

export const limitsStep: Step = (next) => (ex, handler) => {
  const breaker = ex.target!.service.breaker;
  const h = new LimitsHandler(handler, breaker, next, ex);
  const decision = breaker.acquire(h);
  if (decision === 'run') next(ex, h);
  else if (decision === 'queued') h.enqueue();
  else handler.onError(new UpstreamOverflowError(ex.target!.service.name));
};
