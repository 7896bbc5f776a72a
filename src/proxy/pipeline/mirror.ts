/**
 * Traffic mirroring (Istio `mirror` + `mirrorPercentage`, Envoy request_mirror_policies): a copy
 * of the request goes to another service with `-shadow` appended to the host part of Host, before
 * any port (`svc:8080` → `svc-shadow:8080`), as Envoy does. It is
 * fire-and-forget: sent after the real request has been handed to its upstream, its response
 * is discarded, its failures are only counted, it never waits on the caller's path, and at most
 * `limits.maxMirrorsInFlight` copies are outstanding (the rest are dropped and counted) so that
 * a slow mirror target cannot build up memory or sockets. Only replayable bodies are mirrored.
 */
import type { EndpointSet } from '../cluster/endpoint-set';
import { setHeader, type Abort, type Handler, type Step } from './types';

export class MirrorBudget {
  inFlight = 0;
  sent = 0;
  dropped = 0;
  failed = 0;
  constructor(
    readonly max: number,
    readonly timeoutMs: number,
  ) {}
}

class MirrorHandler implements Handler {
  private abortFn: Abort | null = null;
  private readonly timer: NodeJS.Timeout;
  private done = false;
  constructor(private readonly budget: MirrorBudget) {
    this.timer = setTimeout(() => this.abortFn?.abort(new Error('mirror timeout')), budget.timeoutMs);
    this.timer.unref();
  }
  onConnect(abort: Abort): void {
    this.abortFn = abort;
  }
  onHeaders(): boolean {
    return true;
  }
  onData(): boolean {
    return true;
  }
  onComplete(): void {
    this.end(false);
  }
  onError(): void {
    this.end(true);
  }
  private end(failed: boolean): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    this.budget.inFlight--;
    if (failed) this.budget.failed++;
  }
}

/** `svc:8080` → `svc-shadow:8080`, `[::1]:80` → `[::1]-shadow:80`, `svc` → `svc-shadow`. */
export function shadowAuthority(authority: string): string {
  const colon = authority.lastIndexOf(':');
  if (colon === -1 || colon < authority.lastIndexOf(']')) return `${authority}-shadow`;
  return `${authority.slice(0, colon)}-shadow${authority.slice(colon)}`;
}

export function mirrorStep(target: EndpointSet, percent: number, budget: MirrorBudget): Step {
  return (next) => (ex, handler) => {
    if (!(percent >= 100 || Math.random() * 100 < percent) || !ex.replayable) return next(ex, handler);
    if (budget.inFlight >= budget.max) {
      budget.dropped++;
      return next(ex, handler);
    }
    const headers = ex.headers.slice();
    setHeader(headers, 'host', shadowAuthority(ex.authority));
    const path = ex.path;
    const method = ex.method;
    const body = ex.body as Buffer | null;
    next(ex, handler);
    const ep = target.pick(ex, null);
    if (ep === undefined) {
      budget.dropped++;
      return;
    }
    budget.inFlight++;
    budget.sent++;
    ep.pool.dispatch({ path, method, headers, body }, new MirrorHandler(budget));
  };
}
