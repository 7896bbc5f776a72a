import type { MeshModel } from '../../model/mesh';
import { ModelIndex, modelForEnvironment } from '../../model/query';
import type { RuleContext } from '../rule';
import type { At } from '../../diagnostics/location';
import type { Severity } from '../../diagnostics/diagnostic';
import { quotedList } from './format';
import { memoized } from '../../model/memo';

/** The model as one environment compiles it (its security mode, replica and image overrides applied). */
export interface EnvironmentView {
  readonly env: string;
  readonly model: MeshModel;
  readonly index: ModelIndex;
}

/**
 * One view per environment, built once per model (model/memo.ts): several rules check every
 * environment, and the views' own indexes (call graph, delegations) are memoized by view model.
 */
export function environmentViews(model: MeshModel): readonly EnvironmentView[] {
  return views(model);
}

const views = memoized('environment-views', (model): readonly EnvironmentView[] =>
  model.environments.map((env) => {
    const m = modelForEnvironment(model, env);
    return { env: env.name, model: m, index: new ModelIndex(m) };
  }),
);

interface Finding {
  readonly code: string;
  readonly at: At;
  readonly message: string;
  readonly hint: string;
  readonly severity?: Severity;
}

/**
 * Rules whose outcome depends on what an environment overrides (mTLS and authorization mode,
 * replicas, images) check every environment and report each problem once: unqualified when every
 * environment has it, otherwise naming the environments that do, so that a problem in `dev` only
 * is neither lost nor reported three times.
 */
export class PerEnvironmentFindings {
  private readonly found = new Map<string, { finding: Finding; envs: string[] }>();

  constructor(private readonly allEnvironments: readonly string[]) {}

  /** `key` identifies the same problem across environments (e.g. the node path plus what is wrong). */
  add(env: string, key: string, finding: Finding): void {
    const k = `${finding.code}\u0000${key}`;
    const entry = this.found.get(k);
    if (entry) {
      if (!entry.envs.includes(env)) entry.envs.push(env);
    } else this.found.set(k, { finding, envs: [env] });
  }

  report(ctx: RuleContext): void {
    for (const { finding, envs } of this.found.values()) {
      const everywhere = this.allEnvironments.every((e) => envs.includes(e));
      const message = everywhere ? finding.message : `${finding.message} (in environment${envs.length > 1 ? 's' : ''} ${quotedList(envs)})`;
      ctx.report(finding.code, finding.at, message, finding.hint, finding.severity);
    }
  }
}
