import { createRequire } from 'node:module';
import type { ApiObject, Chart } from 'cdk8s';
import type { IConstruct } from 'constructs';
import type { SourceLocation } from '../diagnostics/location';
import { isClusterScopedKind, type KubernetesObject } from '../model/escape-hatch';
import { captureLocation } from './location';

/** A construct of the chart that could not become objects (WEFT044). */
export interface EscapeHatchProblem {
  message: string;
  hint: string;
  location: SourceLocation;
  path: string;
}

type Cdk8s = typeof import('cdk8s');
/** cdk8s is loaded only when a config uses the escape hatch: most configs never pay for it. */
let cdk8s: Cdk8s | undefined;
const loadCdk8s = (): Cdk8s => (cdk8s ??= createRequire(import.meta.url)('cdk8s') as Cdk8s);

/**
 * The escape hatch of one team: a cdk8s `Chart` in the team's namespace, to which
 * mesh.config.ts adds any cdk8s construct (cdk8s-plus-27 constructs, `ApiObject`, classes
 * imported from a CRD with `cdk8s import`). When the model is built, the chart is synthesized
 * here, in the process that runs mesh.config.ts, into plain JSON objects (the model is plain
 * data; src/synth/isolate.ts sends results between processes).
 *
 * The chart has its own cdk8s `App` as root (cdk8s resolves tokens through `App.of(object)`), so
 * it is not part of the Weft construct tree. Object names come from the construct ids below
 * the chart, without cdk8s's hash suffix (`new kplus.ConfigMap(team.chart, 'feature-flags')` is
 * ConfigMap `feature-flags`); `metadata.name` given explicitly wins.
 * @see https://cdk8s.io/docs/latest/basics/chart/
 */
export class EscapeHatch {
  readonly chart: Chart;
  /** Where each direct child of the chart was created: the location of its objects. */
  private readonly locations = new Map<IConstruct, SourceLocation>();
  private readonly created = captureLocation();

  constructor(
    readonly namespace: string,
    private readonly teamPath: string,
  ) {
    const { App, Chart } = loadCdk8s();
    class TeamChart extends Chart {
      /** The ids below the chart, without cdk8s-plus's `Resource`/`Default` wrapper ids and without a hash. */
      override generateObjectName(apiObject: ApiObject): string {
        const scopes = apiObject.node.scopes;
        const ids = scopes.slice(scopes.indexOf(this) + 1).map((s) => s.node.id).filter((id) => id !== 'Resource' && id !== 'Default');
        return ids.join('-').toLowerCase();
      }
    }
    this.chart = new TeamChart(new App(), namespace, { namespace, disableResourceNameHashes: true });
    // constructs offers no hook for a new child; wrapping the chart's `addChild` (which every
    // Construct constructor calls on its scope) records where the user created each direct
    // child, the first stack frame outside Weft and node_modules (location.ts).
    const node = this.chart.node as unknown as { addChild(child: IConstruct, name: string): void };
    const addChild = node.addChild.bind(node);
    node.addChild = (child, name) => {
      this.locations.set(child, captureLocation());
      addChild(child, name);
    };
  }

  /**
   * The chart's objects as plain JSON, in construct order, each with the place its construct
   * was created; problems (a failed cdk8s validation, a value that is not JSON, an object
   * without apiVersion, kind or name) instead of a throw.
   */
  synth(): { objects: KubernetesObject[]; problems: EscapeHatchProblem[] } {
    const { ApiObject, Chart } = loadCdk8s();
    const objects: KubernetesObject[] = [];
    const problems: EscapeHatchProblem[] = [];
    const all = this.chart.node.findAll();
    for (const c of all) {
      let errors: string[];
      try {
        errors = c.node.validate();
      } catch (e) {
        errors = [describe(e)];
      }
      for (const error of errors) problems.push(this.problem(c, `cdk8s validation of "${this.relativePath(c)}" failed: ${error}`, 'correct the construct; the message is cdk8s\'s own'));
    }
    for (const c of all) {
      if (!ApiObject.isApiObject(c) || Chart.of(c) !== this.chart) continue;
      let manifest: Record<string, unknown>;
      try {
        // toJson resolves tokens and applies the object's own addJsonPatch patches; the round
        // trip through JSON text proves the result is plain data (no BigInt, cycles, classes).
        manifest = JSON.parse(JSON.stringify(c.toJson())) as Record<string, unknown>;
      } catch (e) {
        problems.push(this.problem(c, `"${this.relativePath(c)}" cannot be synthesized: ${describe(e)}`, 'object fields must be JSON values (strings, numbers, booleans, null, arrays, plain objects)'));
        continue;
      }
      const meta = manifest.metadata as { name?: unknown } | undefined;
      if (typeof manifest.apiVersion !== 'string' || typeof manifest.kind !== 'string' || typeof meta?.name !== 'string' || meta.name === '') {
        problems.push(this.problem(c, `"${this.relativePath(c)}" has no apiVersion, kind or metadata.name`, 'every Kubernetes object needs apiVersion, kind and metadata.name'));
        continue;
      }
      const nameProblem = objectNameProblem(manifest.kind, meta.name);
      if (nameProblem) {
        problems.push(this.problem(c, `${manifest.kind} "${this.relativePath(c)}": ${nameProblem}`, 'give the construct an id of a-z, 0-9 and "-", or set a valid metadata.name; names become file names under dist/'));
        continue;
      }
      // A cluster-scoped object has no namespace; the chart gave it the team's.
      if (isClusterScopedKind(manifest.kind)) delete (manifest.metadata as { namespace?: unknown }).namespace;
      objects.push({ path: `${this.teamPath}/chart/${this.relativePath(c)}`, location: this.locationOf(c), manifest });
    }
    return { objects, problems };
  }

  private problem(c: IConstruct, message: string, hint: string): EscapeHatchProblem {
    return { message, hint, location: this.locationOf(c), path: `${this.teamPath}/chart/${this.relativePath(c)}` };
  }

  /** The location of the direct child of the chart that holds `c`, else where the chart was first used. */
  private locationOf(c: IConstruct): SourceLocation {
    const scopes = c.node.scopes;
    const child = scopes[scopes.indexOf(this.chart) + 1];
    return (child && this.locations.get(child)) ?? this.created;
  }

  private relativePath(c: IConstruct): string {
    const scopes = c.node.scopes;
    return scopes.slice(scopes.indexOf(this.chart) + 1).map((s) => s.node.id).join('/');
  }
}

/** RBAC objects are named by path segments (`system:aggregate-to-edit`); other kinds by DNS-1123 subdomains. */
const PATH_SEGMENT_NAMED = new Set(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * What the API server would refuse in an object's kind or name, which also become a file name
 * under dist/ (`<kind>-<name>.yaml`): a kind is an identifier, a name a DNS-1123 subdomain of at
 * most 253 characters (RBAC kinds: a path segment, no "/" or "%", not "." or "..").
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/names/
 */
function objectNameProblem(kind: string, name: string): string | undefined {
  if (!/^[A-Za-z][A-Za-z0-9]*$/.test(kind)) return `kind "${kind}" is not a Kubernetes kind (letters and digits)`;
  if (name.length > 253) return `metadata.name is ${name.length} characters long; at most 253`;
  if (PATH_SEGMENT_NAMED.has(kind)) return /[/%\u0000-\u001f]/.test(name) || name === '.' || name === '..' ? `metadata.name "${name}" may not contain "/" or "%", nor be "." or ".."` : undefined;
  return SUBDOMAIN.test(name) ? undefined : `metadata.name "${name}" must be a lowercase DNS-1123 subdomain (a-z, 0-9, "-" and ".")`;
}

function describe(e: unknown): string {
  try {
    return e instanceof Error ? e.message : String(e);
  } catch {
    return 'an error that cannot be printed';
  }
}
