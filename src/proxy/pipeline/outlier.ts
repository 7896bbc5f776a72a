/**
 * Reports each attempt's outcome to the service's outlier detector: the response status, or a
 * local-origin failure (connect failure, reset, timeout, protocol error). Client aborts and
 * the proxy's own rejections say nothing about the host and are not reported.
 */
import type { Endpoint } from '../cluster/endpoint';
import { outcomeOfStatus, type OutlierDetector } from '../cluster/outlier-detector';
import { classify } from './failure';
import { DecoratorHandler, type Handler, type Step } from './types';

class OutlierHandler extends DecoratorHandler {
  constructor(
    inner: Handler,
    private readonly detector: OutlierDetector,
    private readonly endpoint: Endpoint,
  ) {
    super(inner);
  }

  override onHeaders(status: number, headers: string[], resume: () => void): boolean {
    this.detector.report(this.endpoint, outcomeOfStatus(status));
    return super.onHeaders(status, headers, resume);
  }

  override onError(error: Error): void {
    const kind = classify(error);
    if (kind === 'connect-failure' || kind === 'reset' || kind === 'timeout' || kind === 'protocol') {
      this.detector.report(this.endpoint, 'local-failure');
    }
    super.onError(error);
  }
}

export const outlierStep: Step = (next) => (ex, handler) => {
  const detector = ex.target!.service.outlier;
  if (detector === null) return next(ex, handler);
  next(ex, new OutlierHandler(handler, detector, ex.endpoint!));
};
