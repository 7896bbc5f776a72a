/**
 * The request path is a chain of small steps composed the way undici composes interceptors:
 * `type Step = (next: Dispatch) => Dispatch`. A step either answers locally (through the
 * handler), or calls `next`, possibly with a decorated handler that observes the response.
 * Chains are composed once per route when a config is loaded, never per request.
 *
 * The handler protocol mirrors undici's dispatch handler (onConnect/onHeaders/onData/
 * onComplete/onError), with header lists as flat `[name, value, …]` string arrays with
 * lower-case names. Contract: after dispatch, exactly one of onComplete/onError is called;
 * `upstream.abort(err)` on the Abort given to onConnect makes the chain end with onError(err)
 * if it has not ended.
 */
import type { Exchange } from '../exchange';

/**
 * What onConnect hands downstream to stop the work upstream of it. An object with a method, not
 * a function: the handler that owns the work (the retry handler, an upstream connection) passes
 * itself, where a function would be one closure per request.
 */
export interface Abort {
  abort(error: Error): void;
}

/** For answers that have nothing upstream to stop (local replies, closed pools). */
export const NOTHING_TO_ABORT: Abort = { abort: () => {} };

export interface Handler {
  onConnect(abort: Abort): void;
  /** Return false to pause the upstream until `resume` is called (backpressure). */
  onHeaders(status: number, headers: string[], resume: () => void): boolean;
  onData(chunk: Buffer): boolean;
  onComplete(): void;
  onError(error: Error): void;
}

export type Dispatch = (ex: Exchange, handler: Handler) => void;
export type Step = (next: Dispatch) => Dispatch;

/** Composes steps left to right: the first step sees the request first. */
export function compose(steps: readonly Step[], terminal: Dispatch): Dispatch {
  let dispatch = terminal;
  for (let i = steps.length - 1; i >= 0; i--) dispatch = steps[i]!(dispatch);
  return dispatch;
}

/** Forwards everything to an inner handler; subclasses override what they observe (undici's DecoratorHandler). */
export class DecoratorHandler implements Handler {
  constructor(protected readonly inner: Handler) {}
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
    this.inner.onComplete();
  }
  onError(error: Error): void {
    this.inner.onError(error);
  }
}

const noop = (): void => {};
const EMPTY = Buffer.alloc(0);

/**
 * Answers a request from the proxy itself (direct response, fault abort, rate limit, preflight…).
 * `editHead`: the route's response header edits, for the answers that are the route's own
 * (direct response, redirect: pipeline/header-edits.ts), applied to the complete head.
 */
export function localReply(handler: Handler, status: number, headers: string[], body: string | Buffer = EMPTY, editHead: ((headers: string[]) => void) | null = null): void {
  const buf = typeof body === 'string' ? Buffer.from(body) : body;
  handler.onConnect(NOTHING_TO_ABORT);
  headers.push('content-length', String(buf.length));
  if (editHead !== null) editHead(headers);
  handler.onHeaders(status, headers, noop);
  if (buf.length > 0) handler.onData(buf);
  handler.onComplete();
}

/** Flat header list helpers (names are lower case). */
export function getHeader(headers: readonly string[], name: string): string | undefined {
  for (let i = 0; i < headers.length; i += 2) if (headers[i] === name) return headers[i + 1];
  return undefined;
}

/** Removes every field `name`, keeping the others in order; compacts in place (splice allocates an array of what it removes). */
export function removeHeader(headers: string[], name: string): void {
  let i = 0;
  while (i < headers.length && headers[i] !== name) i += 2;
  if (i >= headers.length) return;
  let to = i;
  for (i += 2; i < headers.length; i += 2) {
    if (headers[i] === name) continue;
    headers[to] = headers[i]!;
    headers[to + 1] = headers[i + 1]!;
    to += 2;
  }
  headers.length = to;
}

export function setHeader(headers: string[], name: string, value: string): void {
  removeHeader(headers, name);
  headers.push(name, value);
}
