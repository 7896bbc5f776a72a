import type { Fallback } from '../../../model/degradation';
import type { IstioContext } from '../common';

/**
 * WEFT848: the parts of a declared fallback that Istio does not answer with it
 * (fallback-envoy-filter.ts says why each cannot be expressed). Callers get Envoy's own error
 * reply there; the weft proxy answers all of them.
 */
export function checkFallbacks(ic: IstioContext): void {
  for (const s of ic.model.services) {
    const f = s.resilience.fallback;
    if (f) {
      const missing = unexpressed(f);
      if (missing.length)
        ic.report('WEFT848', s, `the fallback of service "${s.name}" is not applied in Istio ${missing.join(' and ')}: callers there get Envoy's own error reply`, 'keep it for weft environments; in Istio, handle these errors in the caller or declare a preset response on circuit-open, timeout, connect-failure or rate-limited');
    }
    for (const c of s.callFallbacks ?? []) {
      const missing = unexpressed(c.fallback);
      if (c.fallback.on.includes('rate-limited'))
        missing.push('on "rate-limited" (the callee\'s own sidecar rejects, and it cannot tell this caller apart: the callee\'s service fallback, if any, answers instead)');
      if (missing.length)
        ic.report('WEFT848', c, `the fallback of service "${s.name}" for its calls to "${c.callee.name}" is not applied in Istio ${missing.join(' and ')}: callers there get Envoy's own error reply`, 'keep it for weft environments; in Istio, answer these reasons in the caller');
    }
    for (const r of s.routes)
      if (r.fallback)
        ic.report('WEFT848', r, `route "${r.name}" of service "${s.name}" declares its own fallback, which Istio does not apply: Envoy's local reply mappers cannot tell the route a failed request took`, `declare the fallback on service "${s.name}" (resilience.fallback) for Istio environments`);
  }
}

function unexpressed(f: Fallback): string[] {
  const out: string[] = [];
  if (f.answer.kind === 'destination')
    out.push(`at all (it sends to service "${f.answer.service.name}"${f.answer.version ? ` version "${f.answer.version}"` : ''}, and a local reply cannot be re-routed to another service)`);
  else if (f.on.includes('5xx')) out.push('on "5xx" (an upstream\'s own 5xx answer is not one of Envoy\'s local replies)');
  return out;
}
