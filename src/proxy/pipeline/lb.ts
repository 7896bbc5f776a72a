/**
 * Picks the endpoint for this attempt from the destination chosen by the split step, using the
 * service's load balancer over its healthy endpoints; none left → 503 UH.
 */
import { NoHealthyUpstreamError } from '../errors';
import type { Step } from './types';

export const lbStep: Step = (next) => (ex, handler) => {
  const target = ex.target!;
  const ep = target.pick(ex, ex.attempts > 0 ? ex.endpoint : null);
  if (ep === undefined) {
    handler.onError(new NoHealthyUpstreamError(target.service.name));
    return;
  }
  ex.endpoint = ep;
  next(ex, handler);
};
