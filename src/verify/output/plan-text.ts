/** `weft verify --plan`: the plan as text, one line per check with its planned probes. */
import type { Plan } from '../plan/types';
import { formatDeclaration } from '../plan/declaration';

export function planText(plan: Plan): string {
  const lines = [
    `verification plan for mesh "${plan.mesh}", environment "${plan.environment}"`,
    `statistics: ${plan.statisticalTests} proportion test(s); family-wise α = ${plan.familyAlpha} (Holm); each n planned at α/m = ${(plan.familyAlpha / Math.max(1, plan.statisticalTests)).toPrecision(3)} for power ≥ ${plan.power} against a ${Math.round(plan.detectableDeviation * 100)}-point deviation (exact binomial)`,
    '',
  ];
  const width = Math.max(...plan.checks.map((c) => c.id.length), 10);
  for (const c of plan.checks) {
    lines.push(`${c.id.padEnd(width)}  n=${String(c.probes).padStart(5)}  ${formatDeclaration(c.declaration)}  ${c.expectation}`);
  }
  const probes = plan.checks.reduce((n, c) => n + c.probes, 0);
  lines.push('', `${plan.checks.length} checks, ${probes} probes planned`);
  if (plan.notVerified.length > 0) {
    lines.push('', `not verified (${plan.notVerified.length}):`);
    for (const n of plan.notVerified) lines.push(`  ${formatDeclaration(n.declaration)} ${n.kind}: ${n.reason}`);
  }
  return `${lines.join('\n')}\n`;
}
