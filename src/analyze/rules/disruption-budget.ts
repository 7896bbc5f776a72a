import type { Rule } from '../rule';
import { PerEnvironmentFindings, environmentViews } from '../helpers/environments';

/**
 * A PodDisruptionBudget over fewer than two pods. With one pod, any budget either blocks every
 * voluntary eviction (a node drain hangs until someone deletes the pod) or allows the only pod to
 * go (an outage the budget was meant to prevent). Pods counted: the replicas of all versions, or
 * with autoscaling `minReplicas` per version (the HPA scales each version's Deployment). Checked
 * per environment, as environments override replicas.
 * @see https://kubernetes.io/docs/tasks/run-application/configure-pdb/#think-about-how-your-application-reacts-to-disruptions
 */
export const disruptionBudget: Rule = {
  id: 'disruption-budget',
  codes: { WEFT502: { severity: 'warning', title: 'disruption budget over fewer than two pods' } },
  check(ctx) {
    const views = environmentViews(ctx.model);
    const findings = new PerEnvironmentFindings(views.map((v) => v.env));
    for (const view of views)
      for (const s of view.model.services) {
        if (!s.disruptionBudget) continue;
        const pods = s.autoscaling ? s.autoscaling.minReplicas * s.versions.length : s.versions.reduce((n, v) => n + v.replicas, 0);
        if (pods >= 2) continue;
        findings.add(view.env, `${s.path}|${pods}`, {
          code: 'WEFT502',
          at: s,
          message: `service "${s.name}" has a disruption budget but runs ${pods} pod${pods === 1 ? '' : 's'}${s.autoscaling ? ' at minimum (autoscaling minReplicas)' : ''}: the budget either blocks node drains or allows the only pod to be evicted`,
          hint: s.autoscaling ? 'raise autoscaling.minReplicas to 2 or more, or drop the disruption budget' : 'run at least 2 replicas in total, or drop the disruption budget',
        });
      }
    findings.report(ctx);
  },
};
