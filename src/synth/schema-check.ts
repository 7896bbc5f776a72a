import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import * as istioNetworkingV1alpha3 from '@kubernetes-models/istio/networking.istio.io/v1alpha3';
import * as istioNetworkingV1beta1 from '@kubernetes-models/istio/networking.istio.io/v1beta1';
import * as istioSecurityV1 from '@kubernetes-models/istio/security.istio.io/v1';
import * as istioSecurityV1beta1 from '@kubernetes-models/istio/security.istio.io/v1beta1';
import * as istioTelemetryV1alpha1 from '@kubernetes-models/istio/telemetry.istio.io/v1alpha1';
import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { AppProject, Application, ApplicationSet } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1';
import { Certificate, ClusterIssuer, Issuer } from '@kubernetes-models/cert-manager/cert-manager.io/v1';
import type { Diagnostic } from '../diagnostics/diagnostic';
import type { Manifest } from '../targets/target';

/** A kubernetes-models class: `new Cls(object).validate()` throws a ValidationError listing every violation. */
interface ModelClass {
  readonly apiVersion: string;
  readonly kind: string;
  new (data: never): { validate(): void };
  readonly prototype: { validate(): void };
}

/** Kubernetes kinds Weft emits or may emit, each with its OpenAPI-derived validator. */
const KUBERNETES: readonly ModelClass[] = [
  Namespace, ServiceAccount, ConfigMap, Secret, Service,
  Deployment, StatefulSet, DaemonSet,
  HorizontalPodAutoscaler, PodDisruptionBudget,
  NetworkPolicy, Ingress, Job, CronJob,
  Role, RoleBinding, ClusterRole, ClusterRoleBinding,
] as unknown as ModelClass[];

/** Prometheus Operator kinds the observability target writes (@kubernetes-models/prometheus-operator, from the operator's CRDs). */
const PROMETHEUS_OPERATOR: readonly ModelClass[] = [PodMonitor, ServiceMonitor, PrometheusRule] as unknown as ModelClass[];

/** Argo CD kinds the argocd target writes (@kubernetes-models/argo-cd, from Argo CD's CRDs). */
const ARGO_CD: readonly ModelClass[] = [AppProject, Application, ApplicationSet] as unknown as ModelClass[];

/** cert-manager kinds the weft target writes for workload identities (@kubernetes-models/cert-manager, from cert-manager's CRDs). */
const CERT_MANAGER: readonly ModelClass[] = [Certificate, ClusterIssuer, Issuer] as unknown as ModelClass[];

/** Every Istio CRD version @kubernetes-models/istio generates from Istio's CRD schemas. */
const ISTIO_MODULES: readonly Record<string, unknown>[] = [
  istioNetworkingV1alpha3, istioNetworkingV1beta1,
  istioSecurityV1, istioSecurityV1beta1,
  istioTelemetryV1alpha1,
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

function isModelClass(v: unknown): v is ModelClass {
  return typeof v === 'function' && typeof (v as { apiVersion?: unknown }).apiVersion === 'string' && typeof (v as { kind?: unknown }).kind === 'string';
}

/** `apiVersion/kind` → validator class; built once, in a fixed order. */
const VALIDATORS: ReadonlyMap<string, ModelClass> = (() => {
  const map = new Map<string, ModelClass>();
  const istio = ISTIO_MODULES.flatMap((m) => Object.keys(m).sort().map((k) => m[k]).filter(isModelClass));
  for (const cls of [...KUBERNETES, ...PROMETHEUS_OPERATOR, ...ARGO_CD, ...CERT_MANAGER, ...istio]) map.set(`${cls.apiVersion}/${cls.kind}`, cls);
  for (const [served, same] of Object.entries(SAME_SCHEMA_AS)) {
    for (const cls of istio) {
      if (cls.apiVersion === same && !map.has(`${served}/${cls.kind}`)) map.set(`${served}/${cls.kind}`, cls);
    }
  }
  return map;
})();

/** Whether the schema check knows `apiVersion/kind`. */
export function isSchemaChecked(apiVersion: string, kind: string): boolean {
  return VALIDATORS.has(`${apiVersion}/${kind}`);
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
export function schemaCheck(manifests: readonly Manifest[], env: string): SchemaCheckResult {
  const diagnostics: Diagnostic[] = [];
  const unchecked: Manifest[] = [];
  for (const m of manifests) {
    const cls = VALIDATORS.get(`${m.apiVersion}/${m.kind}`);
    if (!cls) {
      unchecked.push(m);
      continue;
    }
    // Fast path: run the class's validator on a shallow copy that has the class's prototype
    // (where @kubernetes-models/base keeps the schema id). `new cls(m)` first deep-copies the
    // object (dropping undefined fields), which costs more than the validation; the generated
    // validators never write to their input, and an undefined field can only make them
    // stricter (it is a key to `additionalProperties`, absent to everything else), so a pass
    // here is a pass of the copy. A failure is re-checked the documented way, so that the
    // diagnostic is exactly kubernetes-models' own.
    try {
      cls.prototype.validate.call(Object.assign(Object.create(cls.prototype), m, { apiVersion: cls.apiVersion }));
      continue;
    } catch {
      // fall through to the exact check
    }
    try {
      // The class's own apiVersion: a served version validated by its twin (SAME_SCHEMA_AS).
      new cls({ ...m, apiVersion: cls.apiVersion } as never).validate();
    } catch (e) {
      const where = `${m.metadata?.namespace ? `${m.metadata.namespace}/` : ''}${m.metadata?.name}`;
      diagnostics.push({
        code: 'WEFT690',
        severity: 'error',
        message: `${m.kind} ${where} (environment "${env}", ${m.apiVersion}) fails its schema: ${e instanceof Error ? e.message : String(e)}`,
        path: `${env}/${m.apiVersion}/${m.kind}/${where}`,
        hint: 'if the offending value comes from mesh.config.ts (an image, a quantity, a label), correct it there; otherwise this is a Weft bug: please report it with this message',
      });
    }
  }
  return { diagnostics, unchecked };
}
