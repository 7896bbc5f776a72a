/**
 * Degradation switches on a route: while one of the route's switches is on, the route answers
 * with that rule's response (or sends to its fallback destination) and its own destination
 * receives nothing. The switch state is read per request from the SwitchBoard, so a flip
 * applies to the next request without a config reload. Answers carry
 * `x-weft-fallback: switch/<name>` and count in `weft_proxy_switch_answers_total{switch}`.
 */
import type { IstioMetrics } from '../metrics';
import type { SwitchBoard } from '../switch-board';
import type { FallbackAnswer } from './fallback';
import type { Step } from './types';

export interface DegradeRule {
  readonly switch: string;
  readonly answer: FallbackAnswer;
}

export function degradeStep(rules: readonly DegradeRule[], board: SwitchBoard, metrics: IstioMetrics | null): Step {
  return (next) => (ex, handler) => {
    for (const r of rules) {
      if (!board.isOn(r.switch)) continue;
      metrics?.inc(`weft_proxy_switch_answers_total{switch="${r.switch}"}`);
      return r.answer(`switch/${r.switch}`, ex, handler);
    }
    next(ex, handler);
  };
}
