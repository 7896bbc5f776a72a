import type { At } from '../../diagnostics/location';
import type { Severity } from '../../diagnostics/diagnostic';
import type { MeshModel } from '../../model/mesh';
import type { Service } from '../../model/service';
import { commonLabels } from '../naming';
import { syncWave } from '../sync-waves';
import type { EmitContext, Manifest } from '../target';
import type { ConsulCode } from './codes';

/** Every consul-k8s CRD Weft writes is in this group and version. */
export const CONSUL_API = 'consul.hashicorp.com/v1alpha1';

/**
 * Where the mesh-wide objects (ProxyDefaults `global`, Mesh `mesh`, the default-deny
 * ServiceIntentions) live: the namespace consul-k8s is installed in by its Helm chart's
 * documented install (`helm install consul hashicorp/consul --namespace consul`). consul-k8s
 * accepts these global entries from any namespace, but only one of each may exist.
 * @see https://developer.hashicorp.com/consul/docs/k8s/crds#supported-configuration-entries
 */
export const CONSUL_NAMESPACE = 'consul';

export type ConsulReport = (code: ConsulCode, at: At, message: string, hint: string, severity?: Severity) => void;

/** Everything a Consul emitter needs: the environment's model, its index and the reporter. */
export interface ConsulContext {
  readonly ctx: EmitContext;
  readonly model: MeshModel;
  readonly report: ConsulReport;
}

export function consulContext(ctx: EmitContext): ConsulContext {
  return { ctx, model: ctx.model, report: (code, at, message, hint, severity) => ctx.report(code, at, message, hint, severity) };
}

/** One consul-k8s custom resource; `spec` keys are camelCase, as the CRDs define them. */
export function crd(model: Pick<MeshModel, 'name'>, kind: string, name: string, namespace: string, component: string, wave: number, spec: Record<string, unknown>): Manifest {
  return {
    apiVersion: CONSUL_API,
    kind,
    metadata: { name, namespace, labels: commonLabels(model, component), annotations: syncWave(wave) },
    spec,
  };
}

/**
 * Consul has one service namespace in its community edition (namespaces and admin partitions are
 * Enterprise features), so a Weft service is the Consul service of the same name; the analyzer
 * rejects two services of one name in a consul environment (WEFT720).
 * @see https://developer.hashicorp.com/consul/docs/enterprise/namespaces
 */
export function consulName(service: Pick<Service, 'name'>): string {
  return service.name;
}

/**
 * The L7 protocol Consul proxies a service with: the protocol of its first port (consul-k8s
 * registers one port per service, WEFT724).
 * @see https://developer.hashicorp.com/consul/docs/connect/config-entries/service-defaults#protocol
 */
export function protocolOf(service: Pick<Service, 'ports'>): 'http' | 'http2' | 'grpc' | 'tcp' {
  return service.ports[0]!.protocol;
}

export function isL7(service: Pick<Service, 'ports'>): boolean {
  return protocolOf(service) !== 'tcp';
}

/**
 * A Go `time.Duration` string, as Consul's duration fields parse it (`"2s"`, `"500ms"`, `"1h"`).
 * @see https://pkg.go.dev/time#ParseDuration
 */
export function goDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

export { compact } from '../compact';

/** Undefined for an empty object or list, so that `compact` drops it. */
export function nonEmpty<T extends object>(o: T | undefined): T | undefined {
  if (o === undefined) return undefined;
  return (Array.isArray(o) ? o.length : Object.keys(o).length) > 0 ? o : undefined;
}

/** A regular expression (RE2, Envoy's `safe_regex`) that matches strings starting with `prefix`. */
export function prefixRegex(prefix: string): string {
  return `^${prefix.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}.*`;
}
