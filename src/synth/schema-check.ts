import type { Diagnostic } from '../diagnostics/diagnostic';
import type { Manifest } from '../targets/target';
import type { At } from '../diagnostics/location';
import { loadModelModule } from '../targets/kubernetes/model-modules';
import { precompiledSchemaCheck } from './precompiled-schema-checks';

/** A kubernetes-models class: `new Cls(object).validate()` throws a ValidationError listing every violation. */
interface ModelClass {
  readonly apiVersion: string;
  readonly kind: string;
  new (data: never): { validate(): void };
  readonly prototype: { validate(): void };
}

/**
 * Every kind the check validates, by group version: the module folder of its kubernetes-models
 * class, and the kinds in it. Each kind is its own module (`kubernetes-models/apps/v1/Deployment`)
 * and is loaded the first time an object of that kind is checked, never through a package's
 * entry point (`kubernetes-models` alone takes over a second to import): a run that emits
 * only Kubernetes objects never loads the Istio validators and their RE2 engine.
 * - Kubernetes (kubernetes-models, from the Kubernetes OpenAPI document);
 * - Prometheus Operator, Argo CD, cert-manager (@kubernetes-models/*, from their CRDs), for the
 *   observability, argocd and weft targets;
 * - Istio (@kubernetes-models/istio, from Istio's CRD schemas): every class of each version.
 */
const GROUPS: readonly (readonly [apiVersion: string, folder: string, kinds: readonly string[]])[] = [
  ['v1', 'kubernetes-models/v1', ['Namespace', 'ServiceAccount', 'ConfigMap', 'Secret', 'Service']],
  ['apps/v1', 'kubernetes-models/apps/v1', ['Deployment', 'StatefulSet', 'DaemonSet']],
  ['autoscaling/v2', 'kubernetes-models/autoscaling/v2', ['HorizontalPodAutoscaler']],
  ['policy/v1', 'kubernetes-models/policy/v1', ['PodDisruptionBudget']],
  ['networking.k8s.io/v1', 'kubernetes-models/networking.k8s.io/v1', ['NetworkPolicy', 'Ingress']],
  ['batch/v1', 'kubernetes-models/batch/v1', ['Job', 'CronJob']],
  ['rbac.authorization.k8s.io/v1', 'kubernetes-models/rbac.authorization.k8s.io/v1', ['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding']],
  ['monitoring.coreos.com/v1', '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1', ['PodMonitor', 'ServiceMonitor', 'PrometheusRule']],
  ['argoproj.io/v1alpha1', '@kubernetes-models/argo-cd/argoproj.io/v1alpha1', ['AppProject', 'Application', 'ApplicationSet']],
  ['cert-manager.io/v1', '@kubernetes-models/cert-manager/cert-manager.io/v1', ['Certificate', 'ClusterIssuer', 'Issuer']],
  ['networking.istio.io/v1alpha3', '@kubernetes-models/istio/networking.istio.io/v1alpha3', ['DestinationRule', 'EnvoyFilter', 'Gateway', 'ServiceEntry', 'Sidecar', 'VirtualService', 'WorkloadEntry', 'WorkloadGroup']],
  ['networking.istio.io/v1beta1', '@kubernetes-models/istio/networking.istio.io/v1beta1', ['DestinationRule', 'Gateway', 'ProxyConfig', 'ServiceEntry', 'Sidecar', 'VirtualService', 'WorkloadEntry', 'WorkloadGroup']],
  ['security.istio.io/v1', '@kubernetes-models/istio/security.istio.io/v1', ['AuthorizationPolicy', 'RequestAuthentication']],
  ['security.istio.io/v1beta1', '@kubernetes-models/istio/security.istio.io/v1beta1', ['AuthorizationPolicy', 'PeerAuthentication', 'RequestAuthentication']],
  ['telemetry.istio.io/v1alpha1', '@kubernetes-models/istio/telemetry.istio.io/v1alpha1', ['Telemetry']],
];

/**
 * Served versions that @kubernetes-models/istio 2.x (the last release whose engines admit
 * Node 20) has no classes for, and the version whose classes validate them. Istio serves every
 * version of a kind from one openAPIV3Schema (crd-all.gen.yaml lists `networking.istio.io` v1,
 * v1beta1 and v1alpha3, and `telemetry.istio.io` v1 and v1alpha1, with identical schemas), so
 * the older version's validator is the newer one's.
 */
const SAME_SCHEMA_AS: Readonly<Record<string, string>> = {
  'networking.istio.io/v1': 'networking.istio.io/v1beta1',
  'security.istio.io/v1': 'security.istio.io/v1beta1', // PeerAuthentication only
  'telemetry.istio.io/v1': 'telemetry.istio.io/v1alpha1',
};

/** Where the validator of one `apiVersion/kind` lives: its class's module, and the version that class validates. */
export interface Target {
  module: string;
  /** The class's own apiVersion (a served twin's, SAME_SCHEMA_AS). */
  apiVersion: string;
  kind: string;
}

/** `apiVersion/kind` → its target; a served twin (SAME_SCHEMA_AS) maps to its twin's class. */
const MODULES: ReadonlyMap<string, Target> = (() => {
  const map = new Map<string, Target>();
  for (const [apiVersion, folder, kinds] of GROUPS) for (const kind of kinds) map.set(`${apiVersion}/${kind}`, { module: `${folder}/${kind}`, apiVersion, kind });
  for (const [served, same] of Object.entries(SAME_SCHEMA_AS)) {
    for (const [apiVersion, folder, kinds] of GROUPS) {
      if (apiVersion !== same) continue;
      for (const kind of kinds) if (!map.has(`${served}/${kind}`)) map.set(`${served}/${kind}`, { module: `${folder}/${kind}`, apiVersion, kind });
    }
  }
  return map;
})();

// The classes are used only to validate, never compared by identity (the precompiled compiler
// carries its own copy of most of them: model-modules.ts).
const classes = new Map<string, ModelClass>();
const loaded = new Set<string>();

/** The class of a target, loaded on first use. */
function classOf(target: Target): ModelClass {
  let cls = classes.get(target.module);
  if (!cls) {
    cls = loadModelModule(target.module)[target.kind] as ModelClass;
    classes.set(target.module, cls);
  }
  return cls;
}

/**
 * The pass/fail check of one target, by the quickest means at hand, made at its kind's first
 * object: the build's precompiled check (precompiled-schema-checks.ts; the Istio classes compile
 * their schema with ajv at the first validation, ~0.3 s for the example's kinds), else the
 * class's own validator. Each validates the manifest itself, except a served twin's
 * (SAME_SCHEMA_AS), which gets a shallow copy with the class's apiVersion: the validators never
 * write to their input, and a copy of each of the ~27,000 objects of 1,000 services was ~10%
 * of the check's CPU (docs/performance.md, "Schema check and young generation").
 * - A kubernetes-models 4 class (`setValidateFunc`: `validate` is the prototype's own) runs its
 *   ajv function on `this` as plain data, so the manifest serves as `this`.
 * - An @kubernetes-models/istio 2.x class (the sources; the precompiled compiler checks those
 *   kinds with the standalone code) inherits `Model.prototype.validate`, which finds its schema
 *   id on the prototype and passes anything without one: it gets a shallow copy that has the
 *   class's prototype. `new cls(m)` would first deep-copy the object (dropping undefined
 *   fields), which costs more than the validation; an undefined field can only make the
 *   validators stricter (it is a key to `additionalProperties`, absent to everything else), so
 *   a pass here is a pass of the class instance.
 * A failure is re-checked the documented way by the caller, so that the diagnostic is exactly
 * kubernetes-models' own.
 */
function quickCheckOf(target: Target): (m: Manifest) => boolean {
  const withOwnVersion = (m: Manifest): Manifest => (m.apiVersion === target.apiVersion ? m : { ...m, apiVersion: target.apiVersion });
  const precompiled = precompiledSchemaCheck(target.module);
  if (precompiled) return (m) => precompiled(withOwnVersion(m));
  const cls = classOf(target);
  const { validate } = cls.prototype;
  const validatesPlainData = Object.hasOwn(cls.prototype, 'validate');
  return (m) => {
    try {
      validate.call(validatesPlainData ? withOwnVersion(m) : Object.assign(Object.create(cls.prototype), m, { apiVersion: cls.apiVersion }));
      return true;
    } catch {
      return false;
    }
  };
}

/** Each checked `apiVersion/kind`'s quick check, made at its first object (which also marks its validator loaded). */
const quickChecks = new Map<string, (m: Manifest) => boolean>();

/** The quick check of `key`, made on first use. */
function quickCheck(key: string, target: Target): (m: Manifest) => boolean {
  let check = quickChecks.get(key);
  if (!check) {
    loaded.add(key);
    check = quickCheckOf(target);
    quickChecks.set(key, check);
  }
  return check;
}

/** `apiVersion` → `kind` → `apiVersion/kind` and its target: found without building a key string per object. */
const BY_VERSION: ReadonlyMap<string, ReadonlyMap<string, readonly [key: string, target: Target]>> = (() => {
  const map = new Map<string, Map<string, readonly [string, Target]>>();
  for (const [key, target] of MODULES) {
    const at = key.lastIndexOf('/');
    const apiVersion = key.slice(0, at);
    if (!map.has(apiVersion)) map.set(apiVersion, new Map());
    map.get(apiVersion)!.set(key.slice(at + 1), [key, target]);
  }
  return map;
})();

/** @internal The kinds whose validators this process has loaded so far (a test checks that a run loads only what it emits). */
export function loadedValidators(): string[] {
  return [...loaded].sort();
}

/** @internal Every class the check runs, with its module (for the build's precompiled checks). */
export function schemaCheckTargets(): Target[] {
  return [...MODULES.values()];
}

/** Every `apiVersion/kind` the check can validate, in a fixed order. */
export function schemaCheckedKinds(): string[] {
  return [...MODULES.keys()].sort();
}

/** Whether the schema check knows `apiVersion/kind`. */
export function isSchemaChecked(apiVersion: string, kind: string): boolean {
  return MODULES.has(`${apiVersion}/${kind}`);
}

export interface SchemaCheckResult {
  /** One WEFT690 per object that fails its schema, with every violation in the message. */
  diagnostics: Diagnostic[];
  /** Objects of kinds the check has no schema for (Argo CD, Consul, Prometheus Operator…). */
  unchecked: Manifest[];
}

/**
 * Validates what is about to be written against the Kubernetes and Istio OpenAPI schemas
 * (kubernetes-models, @kubernetes-models/istio). A failure is almost always a Weft bug, or a
 * value passed through verbatim from mesh.config.ts (an image, a quantity, a label).
 */
export function schemaCheck(manifests: readonly Manifest[], env: string, sourceOf?: (m: Manifest) => At): SchemaCheckResult {
  const diagnostics: Diagnostic[] = [];
  const unchecked: Manifest[] = [];
  for (const m of manifests) {
    const found = BY_VERSION.get(m.apiVersion)?.get(m.kind);
    if (!found) {
      unchecked.push(m);
      continue;
    }
    const [key, target] = found;
    if (quickCheck(key, target)(m)) continue;
    const cls = classOf(target);
    try {
      // The class's own apiVersion: a served version validated by its twin (SAME_SCHEMA_AS).
      new cls({ ...m, apiVersion: cls.apiVersion } as never).validate();
    } catch (e) {
      const where = `${m.metadata?.namespace ? `${m.metadata.namespace}/` : ''}${m.metadata?.name}`;
      // At the declaration the object comes from (synth passes manifest-source.ts), so that the
      // report has a file:line:col in mesh.config.ts like every other.
      const source = sourceOf?.(m);
      diagnostics.push({
        code: 'WEFT690',
        severity: 'error',
        message: `${m.kind} ${where} (environment "${env}", ${m.apiVersion}) fails its schema: ${e instanceof Error ? e.message : String(e)}`,
        path: source?.path ?? `${env}/${m.apiVersion}/${m.kind}/${where}`,
        ...(source?.location ? { location: source.location } : {}),
        hint: 'if the offending value comes from mesh.config.ts (an image, a quantity, a label), correct it there; otherwise this is a Weft bug: please report it with this message',
      });
    }
  }
  return { diagnostics, unchecked };
}
