/**
 * Fault injection (Istio HTTPFaultInjection, Envoy fault filter): first a delay for `percent`
 * of requests (flag DI), then an abort for `percent` of requests with `httpStatus` (flag FI,
 * body `fault filter abort`). Each is drawn independently per request.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPFaultInjection
 */
import type { FaultConfig } from '../config/schema';
import type { Exchange } from '../exchange';
import { localReply, type Dispatch, type Handler, type Step } from './types';

const roll = (percent: number): boolean => percent >= 100 || (percent > 0 && Math.random() * 100 < percent);

export function faultStep(config: FaultConfig): Step {
  const { delay, abort } = config;
  return (next) => {
    const afterDelay: Dispatch = (ex, handler) => {
      if (abort && roll(abort.percent)) {
        ex.addFlag('FI');
        localReply(handler, abort.httpStatus, ['content-type', 'text/plain'], 'fault filter abort');
        return;
      }
      next(ex, handler);
    };
    if (!delay) return afterDelay;
    return (ex: Exchange, handler: Handler) => {
      if (!roll(delay.percent)) return afterDelay(ex, handler);
      ex.addFlag('DI');
      const timer = setTimeout(() => afterDelay(ex, handler), delay.fixedDelayMs);
      handler.onConnect({
        abort: (error) => {
          clearTimeout(timer);
          handler.onError(error);
        },
      });
    };
  };
}
