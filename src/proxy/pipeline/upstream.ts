/**
 * The terminal step: sends the request to the chosen endpoint through its keep-alive HTTP/1.1
 * pool (cluster/http1-pool.ts), which streams both bodies with backpressure and calls the
 * pipeline's handler directly. Counts the endpoint's requests in flight (least-request LB).
 */
import { h2UpstreamDispatch } from './h2-upstream';
import type { Endpoint } from '../cluster/endpoint';
import type { Abort, Dispatch, Handler } from './types';

class UpstreamHandler implements Handler {
  private done = false;

  constructor(
    private readonly inner: Handler,
    private readonly endpoint: Endpoint,
  ) {}

  onConnect(abort: Abort): void {
    this.inner.onConnect(abort);
  }

  onHeaders(status: number, headers: string[], resume: () => void): boolean {
    return this.inner.onHeaders(status, headers, resume);
  }

  onData(chunk: Buffer): boolean {
    return this.inner.onData(chunk);
  }

  onComplete(): void {
    if (this.done) return;
    this.done = true;
    this.endpoint.active--;
    this.inner.onComplete();
  }

  onError(error: Error): void {
    if (this.done) return;
    this.done = true;
    this.endpoint.active--;
    this.inner.onError(error);
  }
}

export const upstreamDispatch: Dispatch = (ex, handler) => {
  const ep = ex.endpoint!;
  if (ep.h2 !== null) return h2UpstreamDispatch(ex, handler);
  ep.active++;
  ex.attempts++;
  if (ex.upstreamStart === 0) ex.upstreamStart = performance.now();
  ep.pool.dispatch(ex, new UpstreamHandler(handler, ep));
};
