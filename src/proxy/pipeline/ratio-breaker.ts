/**
 * Puts a service's ratio breaker in front of its requests (once per request, after the split
 * chose the destination and before retries: a request retried to success counts as one
 * success). A refused request ends with UpstreamOverflowError (503, flag UO), which a fallback
 * declared `on: ['circuit-open']` answers. A failure is a 5xx response or a failed upstream
 * exchange; a client that went away says nothing about the service.
 */
import type { RatioBreaker, BreakerTicket } from '../cluster/ratio-breaker';
import { UpstreamOverflowError } from '../errors';
import { classify } from './failure';
import { DecoratorHandler, NOTHING_TO_ABORT, type Handler, type Step } from './types';

class OutcomeHandler extends DecoratorHandler {
  private reported = false;
  constructor(
    inner: Handler,
    private readonly breaker: RatioBreaker,
    private readonly ticket: BreakerTicket,
  ) {
    super(inner);
  }
  private report(failed: boolean): void {
    if (this.reported) return;
    this.reported = true;
    this.breaker.report(this.ticket, failed);
  }
  override onHeaders(status: number, headers: string[], resume: () => void): boolean {
    this.report(status >= 500);
    return super.onHeaders(status, headers, resume);
  }
  override onError(error: Error): void {
    if (classify(error) !== 'downstream') this.report(true);
    super.onError(error);
  }
}

export function ratioBreakerStep(breakers: ReadonlyMap<string, RatioBreaker>): Step {
  return (next) => (ex, handler) => {
    const service = ex.target?.service.name;
    const breaker = service === undefined ? undefined : breakers.get(service);
    if (breaker === undefined) return next(ex, handler);
    const ticket = breaker.admit();
    if (ticket === null) {
      handler.onConnect(NOTHING_TO_ABORT);
      return handler.onError(new UpstreamOverflowError(service!));
    }
    next(ex, new OutcomeHandler(handler, breaker, ticket));
  };
}
