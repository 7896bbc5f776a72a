/**
 * One attempt of a forwarded request, in Envoy's router order: the per-try timeout (Istio
 * `perTryTimeout`), the destination service's circuit breaker (run now, wait in the pending
 * queue, or overflow: 503 UO — cluster/circuit-breaker.ts), load balancing over the healthy
 * endpoints of the destination the split chose (none left: 503 UH; a retry prefers another
 * host), outlier accounting of the outcome, and the endpoint's keep-alive pool (HTTP/1.1,
 * cluster/http1-pool.ts) or HTTP/2 session (h2-upstream.ts).
 *
 * Why one handler and not a step each: these stages always run together, in this order, for
 * every forwarded request, and each step's decorating handler was an object per request (the
 * per-try timeout, limits, outlier and upstream wrappers: ~0.25 KB of garbage per request in the
 * sampling heap profile of docs/performance.md). One object carries the state of all of them;
 * each stage's behaviour is unchanged (test/proxy/attempt.test.ts pins the orderings: outlier
 * reports only for attempts that reached an endpoint, the breaker slot released exactly once,
 * a queued attempt cancellable by its timeout).
 * @see https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/http/http_routing#retry-semantics
 * @see https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/circuit_breaking
 * @see https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/outlier
 */
import type { Waiter } from '../cluster/circuit-breaker';
import type { Endpoint } from '../cluster/endpoint';
import { outcomeOfStatus, type OutlierDetector } from '../cluster/outlier-detector';
import { NoHealthyUpstreamError, PerTryTimeoutError, UpstreamOverflowError } from '../errors';
import type { Exchange } from '../exchange';
import type { DeadlineEntry, DeadlineList } from './deadline-list';
import { classify } from './failure';
import { applyHeaderEdits, type HeaderEdits } from './header-edits';
import { h2UpstreamDispatch } from './h2-upstream';
import type { Abort, Dispatch, Handler } from './types';
import { monotonicMs } from '../clock';

const QUEUED = 0;
const RUNNING = 1;
/** Not holding a breaker slot: overflowed, cancelled while queued, or released. */
const RELEASED = 2;

class AttemptHandler implements Handler, Waiter, DeadlineEntry {
  expiresAt = 0;
  prevDeadline: DeadlineEntry | null = null;
  nextDeadline: DeadlineEntry | null = null;
  inDeadlineList = false;
  private slot = RELEASED;
  private done = false;
  private abortUp: Abort | null = null;
  /** Set once the attempt reached an endpoint: only then is its outcome the host's. */
  private detector: OutlierDetector | null = null;
  private endpoint: Endpoint | null = null;
  /** HTTP/1.1 attempts count the endpoint's requests in flight here (least-request LB); h2-upstream counts its own. */
  private countsActive = false;

  constructor(
    private readonly ex: Exchange,
    private readonly inner: Handler,
    private readonly perTry: DeadlineList | null,
    private readonly responseEdits: HeaderEdits | null,
  ) {}

  start(): void {
    if (this.perTry !== null) this.perTry.add(this);
    const service = this.ex.target!.service;
    const decision = service.breaker.acquire(this);
    if (decision === 'run') return this.run();
    if (decision === 'overflow') return this.end(new UpstreamOverflowError(service.name));
    this.slot = QUEUED;
    // A queued attempt must be cancellable by timeouts and client aborts (the closure only for a
    // queued attempt: most run at once).
    this.onConnect({ abort: (error) => this.cancelQueued(error) });
  }

  /** Circuit breaker slot granted (at once, or later from the pending queue). */
  run(): void {
    this.slot = RUNNING;
    const ex = this.ex;
    const target = ex.target!;
    const ep = target.pick(ex, ex.attempts > 0 ? ex.endpoint : null);
    if (ep === undefined) return this.onError(new NoHealthyUpstreamError(target.service.name));
    ex.endpoint = ep;
    this.endpoint = ep;
    this.detector = target.service.outlier;
    if (ep.h2 !== null) return h2UpstreamDispatch(ex, this);
    ep.active++;
    this.countsActive = true;
    ex.attempts++;
    if (ex.upstreamStart === 0) ex.upstreamStart = monotonicMs();
    ep.pool.dispatch(ex, this);
  }

  private cancelQueued(error: Error): void {
    if (this.slot !== QUEUED) return;
    this.ex.target!.service.breaker.cancel(this);
    this.slot = RELEASED;
    this.end(error);
  }

  /** The per-try timeout passed (deadline-list.ts). */
  expire(): void {
    if (this.done) return;
    const error = new PerTryTimeoutError();
    if (this.abortUp) this.abortUp.abort(error);
    else this.onError(error);
  }

  onConnect(abort: Abort): void {
    this.abortUp = abort;
    this.inner.onConnect(abort);
  }

  onHeaders(status: number, headers: string[], resume: () => void): boolean {
    if (this.detector !== null) this.detector.report(this.endpoint!, outcomeOfStatus(status));
    // The route's response header edits (pipeline/header-edits.ts) when no retry handler is outside.
    if (this.responseEdits !== null) applyHeaderEdits(headers, this.responseEdits);
    return this.inner.onHeaders(status, headers, resume);
  }

  onData(chunk: Buffer): boolean {
    return this.inner.onData(chunk);
  }

  // In the order the separate steps had: the endpoint's in-flight count, the outlier report,
  // then the breaker slot (its release may start a queued attempt at once), then the timeout.
  onComplete(): void {
    if (this.done) return;
    this.done = true;
    this.leaveEndpoint();
    this.releaseSlot();
    this.perTry?.remove(this);
    this.inner.onComplete();
  }

  onError(error: Error): void {
    if (this.done) return;
    this.leaveEndpoint();
    if (this.detector !== null) {
      // Client aborts and the proxy's own rejections say nothing about the host.
      const kind = classify(error);
      if (kind === 'connect-failure' || kind === 'reset' || kind === 'timeout' || kind === 'protocol') this.detector.report(this.endpoint!, 'local-failure');
    }
    this.end(error);
  }

  private leaveEndpoint(): void {
    if (!this.countsActive) return;
    this.countsActive = false;
    this.endpoint!.active--;
  }

  private releaseSlot(): void {
    if (this.slot !== RUNNING) return;
    this.slot = RELEASED;
    this.ex.target!.service.breaker.release();
  }

  private end(error: Error): void {
    if (this.done) return;
    this.done = true;
    this.releaseSlot();
    this.perTry?.remove(this);
    this.inner.onError(error);
  }
}

/**
 * The attempt chain of a forwarding route; `perTry` is its per-try timeout's deadline list, if
 * it declares one; `responseEdits` the route's response header edits when the attempt is the
 * route's terminal (no retries: with retries the retry handler applies them).
 */
export function attemptDispatch(perTry: DeadlineList | null, responseEdits: HeaderEdits | null = null): Dispatch {
  return (ex, handler) => new AttemptHandler(ex, handler, perTry, responseEdits).start();
}
