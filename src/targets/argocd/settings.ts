import type { Environment, GitopsSettings, MeshFlavour } from '../../model/mesh';
import type { EmitContext } from '../target';

/** Settings that are complete: what the Argo CD objects are built from. */
export interface Delivery extends GitopsSettings {
  repoUrl: string;
  targetRevision: string;
  /** The environments this delivery covers: the one environment, or all of them for an ApplicationSet. */
  covered: { name: string; mesh: MeshFlavour }[];
}

/**
 * The environment's Argo CD settings, checked. Reports what is missing or conflicting and
 * returns undefined then, so that no half-configured Application is written.
 */
export function deliveryOf(ctx: EmitContext): Delivery | undefined {
  const { env, model } = ctx;
  const g = env.gitops;
  if (!g) return undefined;
  const at = { path: `${model.name}/environments/${env.name}`, location: g.location ?? model.location };
  let ok = true;
  const missing = [g.repoUrl ? undefined : 'repoUrl', g.targetRevision ? undefined : 'targetRevision'].filter(Boolean);
  if (missing.length) {
    ok = false;
    ctx.report(
      'WEFT760',
      at,
      `environment "${env.name}" is delivered by Argo CD, but ${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} not set`,
      `set ${missing.map((m) => `gitops.${m}`).join(' and ')} on the Mesh (for every environment) or on environments.${env.name}.gitops`,
    );
  }
  if (g.distPath.startsWith('/') || g.distPath.split('/').includes('..') || /^[a-z]+:/i.test(g.distPath)) {
    ok = false;
    ctx.report('WEFT763', at, `gitops.distPath "${g.distPath}" is not a relative path inside the repository`, 'give the folder that holds dist/ relative to the repository root, e.g. "dist" or "deploy/dist"');
  }
  if (g.delivery === 'application-set' && g.overrides.length) {
    ok = false;
    ctx.report(
      'WEFT762',
      at,
      `environment "${env.name}" sets its own gitops ${g.overrides.join(', ')}, but delivery 'application-set' renders every environment from one template`,
      `move the settings to the Mesh's gitops and write \`gitops: true\` on the environment, or use delivery 'application'`,
    );
  }
  if (g.delivery === 'application') {
    const clash = sharedProject(env);
    if (clash) {
      ok = false;
      ctx.report(
        'WEFT761',
        at,
        `environments "${clash}" and "${env.name}" both use AppProject "${g.project}"; each Application gets an AppProject limited to its own destinations, so the two would overwrite each other`,
        `give environments.${env.name}.gitops its own project, or leave project unset (default "${model.name}-${env.name}")`,
      );
    }
  }
  if (!ok) return undefined;
  const covered = g.delivery === 'application-set' ? g.environments.map(({ name, mesh }) => ({ name, mesh })) : [{ name: env.name, mesh: env.mesh }];
  return { ...g, repoUrl: g.repoUrl!, targetRevision: g.targetRevision!, covered };
}

/**
 * The environment declared before this one whose Application would use the same AppProject
 * (reported once, on the later environment).
 */
function sharedProject(env: Environment): string | undefined {
  const g = env.gitops!;
  for (const other of g.environments) {
    if (other.name === env.name) return undefined;
    if (other.project === g.project) return other.name;
  }
  return undefined;
}
