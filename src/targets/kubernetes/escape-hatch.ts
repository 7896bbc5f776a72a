import { isClusterScopedKind, type KubernetesObject } from '../../model/escape-hatch';
import { loadModelModule } from './model-modules';
import type { Team } from '../../model/mesh';
import { withSyncWave } from '../sync-waves';
import type { EmitContext, Manifest } from '../target';


/**
 * Packages with kubernetes-models classes, by API group: the escape hatch validates an object
 * with its class where one exists (`<package>/<group>/<version>/<Kind>`). The core group is
 * `kubernetes-models/<version>/<Kind>`.
 */
const MODEL_PACKAGES: Readonly<Record<string, string>> = {
  'networking.istio.io': '@kubernetes-models/istio',
  'security.istio.io': '@kubernetes-models/istio',
  'telemetry.istio.io': '@kubernetes-models/istio',
  'cert-manager.io': '@kubernetes-models/cert-manager',
  'argoproj.io': '@kubernetes-models/argo-cd',
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
};

type Validator = { new (data: unknown): { validate(): void } };
const validators = new Map<string, Validator | undefined>();

/**
 * The objects teams added through the escape hatch (`team.chart`), as the model holds them
 * (synthesized from cdk8s constructs when the model was built): in the team's namespace, each
 * validated against its kubernetes-models schema where one exists (WEFT694), none taking the
 * place of an object Weft writes (WEFT695; `mesh.patch` changes Weft's objects). An object that
 * names another namespace than its team's is reported (WEFT693): a team's chart writes only
 * into its namespace.
 */
export function escapeHatchObjects(ctx: EmitContext, weft: readonly Manifest[]): Manifest[] {
  // Most meshes use no escape hatch: they pay nothing for it (synth stays linear, docs/performance.md).
  if (!ctx.model.teams.some((t) => (t.objects?.length ?? 0) > 0)) return [];
  const taken = new Set(weft.map(identity));
  const out: Manifest[] = [];
  for (const team of ctx.model.teams)
    for (const object of team.objects ?? []) {
      const manifest = placed(ctx, team, object);
      if (!manifest) continue;
      if (taken.has(identity(manifest))) {
        ctx.report(
          'WEFT695',
          object,
          `${manifest.kind} "${manifest.metadata.name}" added to team "${team.name}"'s chart is an object Weft already writes`,
          `give it another name; to change Weft's own ${manifest.kind}, use mesh.patch`,
        );
        continue;
      }
      const problem = schemaProblem(manifest);
      if (problem) {
        ctx.report('WEFT694', object, `${manifest.kind} "${manifest.metadata.name}" added to team "${team.name}"'s chart fails its schema (${manifest.apiVersion}): ${problem}`, 'correct the construct\'s props; the message is kubernetes-models\' validation of the Kubernetes OpenAPI schema');
        continue;
      }
      taken.add(identity(manifest));
      // Into the make-before-break order by kind (src/targets/sync-waves.ts), unless it names its own wave.
      out.push(withSyncWave(manifest));
    }
  return out;
}

/** A copy of the object in its team's namespace, or none when it names another (reported). */
function placed(ctx: EmitContext, team: Team, object: KubernetesObject): Manifest | undefined {
  const manifest = structuredClone(object.manifest) as unknown as Manifest;
  const namespace = manifest.metadata.namespace;
  if (isClusterScopedKind(manifest.kind)) {
    delete manifest.metadata.namespace;
    return manifest;
  }
  if (namespace !== undefined && namespace !== team.namespace) {
    ctx.report(
      'WEFT693',
      object,
      `${manifest.kind} "${manifest.metadata.name}" in team "${team.name}"'s chart names namespace "${namespace}"; a team's chart writes into "${team.namespace}" only`,
      `leave metadata.namespace out, or add the construct to the chart of the team that owns "${namespace}"`,
    );
    return undefined;
  }
  manifest.metadata.namespace = team.namespace;
  return manifest;
}

/** The kubernetes-models validation message, or undefined (valid, or no class for the kind). */
function schemaProblem(manifest: Manifest): string | undefined {
  const cls = validator(manifest.apiVersion, manifest.kind);
  if (!cls) return undefined;
  try {
    new cls(manifest).validate();
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

function validator(apiVersion: string, kind: string): Validator | undefined {
  const key = `${apiVersion}/${kind}`;
  if (!validators.has(key)) {
    const slash = apiVersion.indexOf('/');
    const group = slash < 0 ? '' : apiVersion.slice(0, slash);
    const pkg = group === '' || group.endsWith('.k8s.io') || !group.includes('.') ? 'kubernetes-models' : MODEL_PACKAGES[group];
    let cls: Validator | undefined;
    if (pkg && /^[A-Za-z0-9]+$/.test(kind)) {
      try {
        cls = loadModelModule(`${pkg}/${apiVersion}/${kind}`)[kind] as Validator | undefined;
      } catch {
        cls = undefined; // no class for this kind: a CRD kubernetes-models does not know
      }
    }
    validators.set(key, cls);
  }
  return validators.get(key);
}

/** Same group, kind, namespace and name: the same object to the API server. */
function identity(m: Manifest): string {
  const slash = m.apiVersion.indexOf('/');
  return `${slash < 0 ? '' : m.apiVersion.slice(0, slash)}/${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`;
}
