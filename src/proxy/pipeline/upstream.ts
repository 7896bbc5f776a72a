/**
 * The terminal step: sends the request to the chosen endpoint through its undici Pool
 * (keep-alive, HTTP/1.1) using the low-level `dispatch` API, which streams both bodies with
 * backpressure and no intermediate objects. Adapts undici's handler (raw Buffer headers) to
 * the pipeline's (lower-case string pairs, hop-by-hop removed).
 */
import type { Dispatcher } from 'undici';
import type { Endpoint } from '../cluster/endpoint';
import { Exchange } from '../exchange';
import type { Abort, Dispatch, Handler } from './types';

class UpstreamHandler implements Dispatcher.DispatchHandler {
  private aborted: Error | null = null;
  private undiciAbort: Abort | null = null;
  private done = false;

  constructor(
    private readonly inner: Handler,
    private readonly endpoint: Endpoint,
  ) {
    // Give the chain an abort right away: undici calls onConnect only once a connection is free.
    inner.onConnect(this.abort);
  }

  private readonly abort: Abort = (error) => {
    if (this.done || this.aborted) return;
    this.aborted = error;
    if (this.undiciAbort) this.undiciAbort(error);
    else this.onError(error);
  };

  onConnect(abort: (err?: Error) => void): void {
    if (this.aborted) abort(this.aborted);
    else this.undiciAbort = abort as Abort;
  }

  onHeaders(status: number, raw: Buffer[], resume: () => void): boolean {
    if (this.done) return false;
    return this.inner.onHeaders(status, Exchange.responseHeaders(raw), resume);
  }

  onData(chunk: Buffer): boolean {
    if (this.done) return false;
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
    this.inner.onError(this.aborted ?? error);
  }
}

export const upstreamDispatch: Dispatch = (ex, handler) => {
  const ep = ex.endpoint!;
  ep.active++;
  ex.attempts++;
  if (ex.upstreamStart === 0) ex.upstreamStart = performance.now();
  const h = new UpstreamHandler(handler, ep);
  ep.pool.dispatch(
    { path: ex.path, method: ex.method as Dispatcher.HttpMethod, headers: ex.headers, body: ex.body as Dispatcher.DispatchOptions['body'] },
    h as unknown as Dispatcher.DispatchHandler,
  );
};
