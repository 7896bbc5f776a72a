/**
 * Fallbacks (降级): when a request fails for a declared reason, the caller gets a preset answer
 * (or another service's) instead of the proxy's error reply — what Hystrix-style libraries
 * give and an Envoy-based mesh does not. The step wraps the whole route chain, so retries,
 * timeouts and rate limits have had their say first. Every fallback answer carries
 * `x-weft-fallback: <reason>` and counts in `weft_proxy_fallbacks_total{reason}`; the
 * original response flag (UO, UH, RL, UT, UF, UC) stays in the access log.
 *
 * Reasons, from what the chain reports:
 * - `circuit-open`: an overflowing connection pool or an open ratio breaker (UO), no healthy endpoint (UH);
 * - `rate-limited`: a local reply flagged RL (token bucket, full shaping queue);
 * - `timeout`: a route or per-try timeout (UT), before the response started;
 * - `5xx`: an upstream response with status 500–599 (its body is discarded);
 * - `connect-failure`: no connection (UF) or a reset before the response (UC).
 */
import type { FallbackReason } from '../config/degradation-schema';
import type { IstioMetrics } from '../metrics';
import type { Exchange } from '../exchange';
import { classify, replyFor, type FailureKind } from './failure';
import { DecoratorHandler, NOTHING_TO_ABORT, type Dispatch, type Handler, type Step } from './types';

export const FALLBACK_HEADER = 'x-weft-fallback';

const REASON_OF: Partial<Record<FailureKind, FallbackReason>> = {
  overflow: 'circuit-open',
  'no-healthy': 'circuit-open',
  timeout: 'timeout',
  'connect-failure': 'connect-failure',
  reset: 'connect-failure',
};

/** How a fallback answers: a preset response, or a dispatch to another destination. */
export type FallbackAnswer = (reason: string, ex: Exchange, handler: Handler) => void;

const noop = (): void => {};

/** A preset response; `x-weft-fallback` is added to the declared headers. */
export function responseAnswer(r: { status: number; headers?: Record<string, string> | undefined; body?: string | undefined }): FallbackAnswer {
  const body = Buffer.from(r.body ?? '');
  const base = Object.entries(r.headers ?? {}).flatMap(([k, v]) => [k.toLowerCase(), v]);
  if (!base.includes('content-type')) base.push('content-type', 'text/plain; charset=utf-8');
  return (reason, _ex, handler) => {
    handler.onConnect(NOTHING_TO_ABORT);
    handler.onHeaders(r.status, [...base, FALLBACK_HEADER, reason, 'content-length', String(body.length)], noop);
    if (body.length > 0) handler.onData(body);
    handler.onComplete();
  };
}

/** Adds `x-weft-fallback` to whatever the other destination answers. */
class MarkedHandler extends DecoratorHandler {
  constructor(
    inner: Handler,
    private readonly reason: string,
  ) {
    super(inner);
  }
  override onHeaders(status: number, headers: string[], resume: () => void): boolean {
    headers.push(FALLBACK_HEADER, this.reason);
    return super.onHeaders(status, headers, resume);
  }
}

/** Another service or version answers (its chain: split, attempt; the request body must be replayable). */
export function destinationAnswer(dispatch: Dispatch): FallbackAnswer {
  return (reason, ex, handler) => {
    ex.endpoint = null;
    dispatch(ex, new MarkedHandler(handler, reason));
  };
}

class FallbackHandler extends DecoratorHandler {
  private swallowed: FallbackReason | null = null;
  private started = false;

  constructor(
    inner: Handler,
    private readonly ex: Exchange,
    private readonly on: ReadonlySet<FallbackReason>,
    private readonly answer: FallbackAnswer,
    private readonly metrics: IstioMetrics | null,
  ) {
    super(inner);
  }

  private fallback(reason: FallbackReason): void {
    this.metrics?.inc(`weft_proxy_fallbacks_total{reason="${reason}"}`);
    this.answer(reason, this.ex, this.inner);
  }

  override onHeaders(status: number, headers: string[], resume: () => void): boolean {
    const reason: FallbackReason | null = status === 429 && this.ex.flags.includes('RL') ? 'rate-limited' : status >= 500 && status <= 599 ? '5xx' : null;
    if (reason !== null && this.on.has(reason)) {
      // Discard this answer; the fallback replaces it once it has ended.
      this.swallowed = reason;
      return true;
    }
    this.started = true;
    return super.onHeaders(status, headers, resume);
  }

  override onData(chunk: Buffer): boolean {
    return this.swallowed !== null ? true : super.onData(chunk);
  }

  override onComplete(): void {
    if (this.swallowed !== null) return this.fallback(this.swallowed);
    super.onComplete();
  }

  override onError(error: Error): void {
    if (this.swallowed !== null) return this.fallback(this.swallowed);
    const kind = classify(error);
    const reason = REASON_OF[kind];
    if (!this.started && reason !== undefined && this.on.has(reason)) {
      this.ex.addFlag(replyFor(kind).flag);
      return this.fallback(reason);
    }
    super.onError(error);
  }
}

export function fallbackStep(on: readonly FallbackReason[], answer: FallbackAnswer, metrics: IstioMetrics | null): Step {
  const reasons = new Set(on);
  return (next) => (ex, handler) => next(ex, new FallbackHandler(handler, ex, reasons, answer, metrics));
}
