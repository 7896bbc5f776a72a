import type { Diagnostic } from '../diagnostics/diagnostic';
import type { MeshModel } from '../model/mesh';
import { modelForEnvironment } from '../model/query';
import { resourceChanges, type ResourceChange } from './resources';
import { baseSide, currentSide } from './sides';
import { authorizationChanges, routingChanges, type TrafficChange } from './traffic/compare';

export interface DiffOptions {
  configPath: string;
  distDir: string;
  cwd: string;
  /** A git ref (default `HEAD`) or a directory holding a dist/ tree. */
  base: string;
  /** The mesh.config.ts that produced a directory base (the traffic view needs a model). */
  baseConfig?: string;
  /** Only these environments. @default every environment of either side */
  environments?: string[];
}

export interface EnvironmentDiff {
  readonly env: string;
  /** `added`/`removed` when only one side has the environment. */
  readonly status: 'changed' | 'added' | 'removed' | 'unchanged';
  readonly resources: ResourceChange[];
  /** Undefined when the traffic view could not be built (see `notes`). */
  readonly traffic?: TrafficChange[];
}

export interface DiffReport {
  readonly before: string;
  readonly after: string;
  readonly environments: EnvironmentDiff[];
  readonly notes: string[];
  /** Diagnostics of the current mesh.config.ts; with errors there is nothing to compare. */
  readonly diagnostics: Diagnostic[];
  /** Whether anything at all differs (files or traffic). */
  readonly changed: boolean;
}

function envModel(model: MeshModel | undefined, env: string): MeshModel | undefined {
  const e = model?.environments.find((x) => x.name === env);
  return model && e ? modelForEnvironment(model, e) : undefined;
}

/**
 * `weft diff`: what a change does, per environment. The resource view compares the base's
 * dist/ with a fresh compile of the current mesh.config.ts; the traffic view compares the two
 * models, environment by environment (the environment's overrides and security applied).
 */
export async function diff(options: DiffOptions): Promise<DiffReport> {
  const after = await currentSide(options);
  if (!after.model) return { before: options.base, after: after.label, environments: [], notes: [], diagnostics: after.diagnostics, changed: false };
  const before = await baseSide(options.base, options);
  const envNames = new Set<string>();
  for (const p of [...before.files.keys(), ...after.files.keys()]) envNames.add(p.split('/')[0]!);
  for (const m of [before.model, after.model]) for (const e of m?.environments ?? []) envNames.add(e.name);
  const wanted = [...envNames].filter((e) => e !== 'verify' && (!options.environments || options.environments.includes(e))).sort();
  const environments: EnvironmentDiff[] = wanted.map((env) => {
    const pick = (files: ReadonlyMap<string, string>) => new Map([...files].filter(([p]) => p.startsWith(`${env}/`)));
    const resources = resourceChanges(pick(before.files), pick(after.files));
    const mb = envModel(before.model, env);
    const ma = envModel(after.model, env);
    const traffic = before.model && mb && ma ? [...routingChanges(mb, ma), ...authorizationChanges(mb, ma)] : undefined;
    const status = before.model && !mb ? 'added' : before.model && !ma ? 'removed' : resources.length || traffic?.length ? 'changed' : 'unchanged';
    return { env, status, resources, traffic };
  });
  const changed = environments.some((e) => e.status !== 'unchanged');
  return { before: before.label, after: after.label, environments, notes: before.notes, diagnostics: after.diagnostics, changed };
}
