/**
 * Timeouts. The route timeout (Istio `timeout`, Envoy route `timeout`) covers the whole
 * request including retries and backoff; the per-try timeout (Istio `perTryTimeout`) covers
 * one attempt. Both run until the response is complete, as in Envoy. Fired before the response
 * started: the request ends with 504 and flag UT (a per-try timeout may be retried first).
 * Fired while the body streams: the downstream connection is reset — the only honest signal.
 * @see https://www.envoyproxy.io/docs/envoy/latest/faq/configuration/timeouts#route-timeouts
 */
import { PerTryTimeoutError, UpstreamTimeoutError } from '../errors';
import type { Exchange } from '../exchange';
import { DeadlineList, type DeadlineEntry } from './deadline-list';
import { DecoratorHandler, type Abort, type Dispatch, type Handler, type Step } from './types';

class TimeoutHandler extends DecoratorHandler implements DeadlineEntry {
  expiresAt = 0;
  prevDeadline: DeadlineEntry | null = null;
  nextDeadline: DeadlineEntry | null = null;
  inDeadlineList = false;
  private abortUp: Abort | null = null;
  private done = false;

  constructor(
    inner: Handler,
    private readonly deadlines: DeadlineList,
    private readonly perTry: boolean,
  ) {
    super(inner);
  }

  start(next: Dispatch, ex: Exchange): void {
    this.deadlines.add(this);
    next(ex, this);
  }

  expire(): void {
    if (this.done) return;
    const error = this.perTry ? new PerTryTimeoutError() : new UpstreamTimeoutError();
    if (this.abortUp) this.abortUp.abort(error);
    else this.onError(error);
  }

  override onConnect(abort: Abort): void {
    this.abortUp = abort;
    super.onConnect(abort);
  }

  override onComplete(): void {
    if (this.done) return;
    this.end();
    super.onComplete();
  }

  override onError(error: Error): void {
    if (this.done) return;
    this.end();
    super.onError(error);
  }

  private end(): void {
    this.done = true;
    this.deadlines.remove(this);
  }
}

export function timeoutStep(ms: number, perTry: boolean): Step {
  // One deadline list per route and kind: every request of the route has the same duration.
  const deadlines = new DeadlineList(ms);
  return (next) => (ex, handler) => new TimeoutHandler(handler, deadlines, perTry).start(next, ex);
}
