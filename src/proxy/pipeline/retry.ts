/**
 * Retries, with Envoy/Istio semantics:
 * - `attempts` is the number of retries after the first try (Istio HTTPRetry.attempts).
 * - retry-on classes (Envoy x-envoy-retry-on): `5xx` any 5xx response or no response at all
 *   (connect failure, reset, timeout, protocol error); `gateway-error` 502/503/504 and no
 *   response; `reset` no response; `connect-failure` connection failures only;
 *   `refused-stream` an HTTP/2 stream the upstream refused (RST_STREAM REFUSED_STREAM, which
 *   `5xx`, `gateway-error` and `reset` include); `retriable-4xx` 409; `retriable-status-codes`
 *   the listed codes.
 * - back-off is fully jittered exponential: retry N waits uniform[0, (2^N − 1) × base),
 *   capped at max (default 10 × base; base defaults to 25 ms).
 * - a retry prefers a host other than the previous one (Istio's default `previous_hosts`).
 * - after retries are exhausted on a retriable outcome, flag URX is added.
 * Weft adds one rule on purpose: a non-idempotent request (POST, PATCH — RFC 9110 §9.2.2) that
 * reached the upstream is retried only when `retryNonIdempotent` is declared; a connect failure
 * is always safe to retry because nothing was sent, and a refused stream because the upstream
 * promises it did not process it (RFC 9113 §8.7). The body must be replayable (buffered).
 * Overflow (UO) and no-healthy-upstream (UH) are never retried, as in Envoy.
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter#x-envoy-retry-on
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRetry
 */
import type { RetriesConfig } from '../config/schema';
import { UpstreamResetError, UpstreamTimeoutError } from '../errors';
import type { Exchange } from '../exchange';
import type { DeadlineEntry, DeadlineList } from './deadline-list';
import { classify, type FailureKind } from './failure';
import { applyHeaderEdits, type HeaderEdits } from './header-edits';
import type { Abort, Dispatch, Handler } from './types';

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

export class RetryPolicy {
  readonly attempts: number;
  readonly baseMs: number;
  readonly maxMs: number;
  private readonly on5xx: boolean;
  private readonly onGateway: boolean;
  private readonly onReset: boolean;
  private readonly onConnect: boolean;
  private readonly onRefused: boolean;
  private readonly on4xx: boolean;
  private readonly codes: ReadonlySet<number>;
  /** gRPC status codes retried (Envoy x-envoy-retry-grpc-on), read from a trailers-only response's grpc-status. */
  private readonly grpcCodes: ReadonlySet<string>;
  readonly nonIdempotent: boolean;

  constructor(c: RetriesConfig) {
    this.attempts = c.attempts;
    this.baseMs = c.backoff.baseMs;
    this.maxMs = c.backoff.maxMs ?? c.backoff.baseMs * 10;
    const on = new Set(c.retryOn);
    this.on5xx = on.has('5xx');
    this.onGateway = on.has('gateway-error');
    this.onReset = on.has('reset');
    this.onConnect = on.has('connect-failure');
    this.onRefused = on.has('refused-stream');
    this.on4xx = on.has('retriable-4xx');
    this.codes = on.has('retriable-status-codes') ? new Set(c.retriableStatusCodes) : new Set();
    this.grpcCodes = new Set(
      ([['cancelled', '1'], ['deadline-exceeded', '4'], ['resource-exhausted', '8'], ['internal', '13'], ['unavailable', '14']] as const).filter(([k]) => on.has(k)).map(([, v]) => v),
    );
    this.nonIdempotent = c.retryNonIdempotent;
  }

  retriableStatus(status: number): boolean {
    if (status >= 500) {
      if (this.on5xx) return true;
      if (this.onGateway && (status === 502 || status === 503 || status === 504)) return true;
    }
    if (status === 409 && this.on4xx) return true;
    return this.codes.has(status);
  }

  /** A gRPC error answered without a body (trailers-only: grpc-status in the response headers). */
  retriableGrpc(headers: readonly string[]): boolean {
    if (this.grpcCodes.size === 0) return false;
    for (let i = 0; i < headers.length; i += 2) if (headers[i] === 'grpc-status') return this.grpcCodes.has(headers[i + 1]!.trim());
    return false;
  }

  retriableFailure(kind: FailureKind, error?: Error): boolean {
    switch (kind) {
      case 'connect-failure':
        return this.on5xx || this.onGateway || this.onReset || this.onConnect;
      case 'reset':
        return this.on5xx || this.onGateway || this.onReset || (this.onRefused && refusedStream(error));
      case 'protocol':
      case 'timeout':
      case 'other':
        return this.on5xx || this.onGateway || this.onReset;
      default:
        return false;
    }
  }

  /** Whether this request may be sent again after `kind` (undefined: a retriable response). */
  safeToRepeat(ex: Exchange, kind: FailureKind | undefined, error?: Error): boolean {
    if (!ex.replayable) return false;
    if (kind === 'connect-failure' || refusedStream(error)) return true;
    return this.nonIdempotent || IDEMPOTENT.has(ex.method);
  }

  backoff(retry: number): number {
    const upper = Math.min((2 ** retry - 1) * this.baseMs, this.maxMs);
    return Math.random() * upper;
  }
}

/** An HTTP/2 stream the upstream refused: it did not process the request (pipeline/h2-upstream.ts). */
function refusedStream(error: Error | undefined): boolean {
  return error instanceof UpstreamResetError && error.reason === 'remote refused stream reset';
}

const runLater = (h: RetryHandler): void => h.run();

/**
 * One per request. It also carries the route timeout when the route declares one (timeout.ts
 * semantics: the whole request, retries and back-off included; 504 UT): a decorating handler of
 * its own was one more object per request, and the route timeout always sits right outside the
 * retries (route.ts), so the handler that already sees every attempt end keeps the deadline.
 */
class RetryHandler implements Handler, Abort, DeadlineEntry {
  expiresAt = 0;
  prevDeadline: DeadlineEntry | null = null;
  nextDeadline: DeadlineEntry | null = null;
  inDeadlineList = false;
  private retriesDone = 0;
  private forwarded = false;
  private discarding = false;
  private finished = false;
  private aborted: Error | null = null;
  private timer: NodeJS.Timeout | null = null;
  private abortUp: Abort | null = null;

  constructor(
    private readonly ex: Exchange,
    private readonly policy: RetryPolicy,
    private readonly attempt: Dispatch,
    private readonly down: Handler,
    private readonly routeTimeout: DeadlineList | null,
    private readonly responseEdits: HeaderEdits | null,
  ) {}

  start(): void {
    if (this.routeTimeout !== null) this.routeTimeout.add(this);
    this.down.onConnect(this);
    this.run();
  }

  /** The route timeout passed: abort whatever runs (an attempt, or a back-off wait). */
  expire(): void {
    this.abort(new UpstreamTimeoutError());
  }

  /** One attempt; a method, not a bound closure per request: the timer of a retry passes the handler (`runLater`). */
  run(): void {
    this.timer = null;
    this.discarding = false;
    this.abortUp = null;
    this.attempt(this.ex, this);
  }

  /** Abort, handed downstream (the handler itself: no closure per request): ends whatever runs. */
  abort(error: Error): void {
    if (this.finished || this.aborted) return;
    this.aborted = error;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
      this.fail(error);
    } else if (this.abortUp) this.abortUp.abort(error);
    else this.fail(error);
  }

  onConnect(abort: Abort): void {
    this.abortUp = abort;
  }

  onHeaders(status: number, headers: string[], resume: () => void): boolean {
    if (this.finished) return false;
    const grpc = this.policy.retriableGrpc(headers);
    if (grpc || this.policy.retriableStatus(status)) {
      // Every gRPC call is a POST: a declared gRPC retry class is the consent to repeat it (as in Envoy).
      if (this.retriesDone < this.policy.attempts && !this.aborted && (this.policy.safeToRepeat(this.ex, undefined) || (grpc && this.ex.replayable))) {
        // Drain this response quietly (keeps the connection reusable), then retry.
        this.discarding = true;
        return true;
      }
      if (this.retriesDone > 0 && this.retriesDone >= this.policy.attempts) this.ex.addFlag('URX');
    }
    this.forwarded = true;
    // The route's response header edits (pipeline/header-edits.ts), on the one response forwarded.
    if (this.responseEdits !== null) applyHeaderEdits(headers, this.responseEdits);
    return this.down.onHeaders(status, headers, resume);
  }

  onData(chunk: Buffer): boolean {
    if (this.discarding) return true;
    return this.down.onData(chunk);
  }

  onComplete(): void {
    if (this.finished) return;
    if (this.discarding) return this.retryOrFail(null);
    this.finished = true;
    this.routeTimeout?.remove(this);
    this.down.onComplete();
  }

  onError(error: Error): void {
    if (this.finished) return;
    if (this.aborted) return this.fail(this.aborted);
    if (this.forwarded) return this.fail(error);
    if (this.discarding) return this.retryOrFail(null);
    const kind = classify(error);
    if (!this.policy.retriableFailure(kind, error)) return this.fail(error);
    this.retryOrFail(error, kind);
  }

  private retryOrFail(error: Error | null, kind?: FailureKind): void {
    if (this.aborted) return this.fail(this.aborted);
    if (this.retriesDone < this.policy.attempts && (error === null || this.policy.safeToRepeat(this.ex, kind, error))) {
      this.retriesDone++;
      this.timer = setTimeout(runLater, this.policy.backoff(this.retriesDone), this);
      return;
    }
    if (error === null) {
      // Cannot happen: a discarded response implies a retry was allowed. Keep the contract anyway.
      return this.fail(new Error('retry state error'));
    }
    if (this.retriesDone > 0) this.ex.addFlag('URX');
    this.fail(error);
  }

  private fail(error: Error): void {
    if (this.finished) return;
    this.finished = true;
    this.routeTimeout?.remove(this);
    this.down.onError(error);
  }
}

/**
 * `routeTimeout`: the route timeout's deadline list, when the route declares one (see
 * RetryHandler); `responseEdits`: the route's response header edits (pipeline/header-edits.ts).
 */
export function retryStep(policy: RetryPolicy, attempt: Dispatch, routeTimeout: DeadlineList | null = null, responseEdits: HeaderEdits | null = null): Dispatch {
  return (ex, handler) => new RetryHandler(ex, policy, attempt, handler, routeTimeout, responseEdits).start();
}

