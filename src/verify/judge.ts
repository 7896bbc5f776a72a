/**
 * Judges the run's proportion tests together: an exact two-sided binomial test each
 * (stats/binomial.ts), Holm's step-down across all of them at the plan's family-wise alpha
 * (stats/holm.ts), and a 1 − alpha Clopper–Pearson interval for the evidence. A check fails when
 * any of its assertions does.
 */
import type { CheckResult } from './report';
import type { CheckContext } from './drive/context';
import { binomialTestPValue, clopperPearson } from './stats/binomial';
import { holm } from './stats/holm';
import { isStatistical } from './plan/sizes';

export function judge(results: CheckResult[], contexts: CheckContext[], familyAlpha: number): void {
  const pending = contexts.flatMap((c) => c.pending);
  const statistical = pending.filter((p) => isStatistical(p.expected));
  const pValues = statistical.map((p) => (p.trials === 0 ? 0 : binomialTestPValue(p.successes, p.trials, p.expected)));
  const verdicts = holm(pValues, familyAlpha);
  statistical.forEach((p, i) => {
    const v = verdicts[i]!;
    const observed = p.trials === 0 ? 0 : p.successes / p.trials;
    p.assertion.status = v.rejected || p.trials === 0 ? 'failed' : 'passed';
    p.assertion.observed = `${p.successes}/${p.trials} = ${(observed * 100).toFixed(2)}% (p = ${pValues[i]!.toPrecision(3)}, Holm threshold ${v.threshold.toPrecision(3)})`;
    p.assertion.evidence.proportion = {
      outcome: p.assertion.name,
      successes: p.successes,
      trials: p.trials,
      expected: p.expected,
      observed,
      interval: p.trials === 0 ? [0, 1] : clopperPearson(p.successes, p.trials, 1 - familyAlpha),
      confidence: 1 - familyAlpha,
      pValue: pValues[i]!,
      threshold: v.threshold,
    };
  });
  // Declared 0 % or 100 %: every probe must show it.
  for (const p of pending.filter((x) => !isStatistical(x.expected))) {
    const ok = p.successes === p.expected * p.trials && p.trials > 0;
    p.assertion.status = ok ? 'passed' : 'failed';
    p.assertion.observed = `${p.successes}/${p.trials}`;
  }
  // Cluster mode, non-weft mesh: a check judged by response flags that no reply carried says nothing.
  results.forEach((r, i) => {
    const ctx = contexts[i];
    if (!ctx?.check.flagsFromOverlay || ctx.flagsHeaderSeen) return;
    for (const a of r.assertions.filter((x) => x.status === 'failed')) {
      a.status = 'skipped';
      a.observed = `${a.observed} — inconclusive: no reply carried x-weft-response-flags, so the cluster's proxies do not report response flags (apply the overlay's EnvoyFilter weft-verify-response-flags)`;
    }
  });
  for (const r of results) {
    r.status = r.assertions.some((a) => a.status === 'failed') ? 'failed' : r.assertions.every((a) => a.status === 'skipped') ? 'skipped' : 'passed';
    if (r.status === 'skipped') r.skipReason = r.assertions.map((a) => a.observed).join('; ');
  }
}
