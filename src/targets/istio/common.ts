import type { At } from '../../diagnostics/location';
import type { Severity } from '../../diagnostics/diagnostic';
import { serviceFqdn, type ServiceRef } from '../../model/common';
import type { MeshModel } from '../../model/mesh';
import type { Service } from '../../model/service';
import { commonLabels } from '../naming';
import { syncWave } from '../sync-waves';
import type { EmitContext, Manifest } from '../target';
import type { IstioCode } from './codes';

/**
 * Istio's root namespace: mesh-wide PeerAuthentication and Telemetry live here.
 * @see https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#MeshConfig (rootNamespace)
 */
export const ISTIO_ROOT_NAMESPACE = 'istio-system';

/** The API versions the issue pins: v1 everywhere, v1alpha3 for EnvoyFilter (it has no v1). */
export const API = {
  networking: 'networking.istio.io/v1',
  security: 'security.istio.io/v1',
  telemetry: 'telemetry.istio.io/v1',
  envoyFilter: 'networking.istio.io/v1alpha3',
} as const;

/**
 * The emit context's `report` (src/diagnostics/reporter.ts), narrowed to the codes of
 * ISTIO_CODES so that a typo in a code is a compile error.
 */
export type IstioReport = (code: IstioCode, at: At, message: string, hint: string, severity?: Severity) => void;

/** Everything an emitter needs: the environment's model, its index, and the reporter. */
export interface IstioContext {
  readonly ctx: EmitContext;
  readonly model: MeshModel;
  readonly report: IstioReport;
  /** True the first time a key is seen in this emit: reports about a setting inherited by several routes are made once. */
  readonly once: (key: string) => boolean;
}

export function istioContext(ctx: EmitContext): IstioContext {
  const seen = new Set<string>();
  return {
    ctx,
    model: ctx.model,
    report: ctx.report,
    once: (key) => !seen.has(key) && (seen.add(key), true),
  };
}

export function manifest(
  ic: IstioContext,
  apiVersion: string,
  kind: string,
  name: string,
  namespace: string,
  component: string,
  wave: number,
  spec: Record<string, unknown>,
): Manifest {
  return {
    apiVersion,
    kind,
    metadata: { name, namespace, labels: commonLabels(ic.model, component), annotations: syncWave(wave) },
    spec,
  };
}

export function hostOf(model: Pick<MeshModel, 'clusterDomain'>, ref: ServiceRef): string {
  return serviceFqdn(ref, model.clusterDomain);
}

/** The workload selector of every version of a service (Weft's `app` label). */
export function workloadSelector(service: Pick<Service, 'name'>): { matchLabels: Record<string, string> } {
  return { matchLabels: { app: service.name } };
}

/** A DNS-1123 label-ish name built from free text (hosts, route names). */
export function dnsName(text: string): string {
  return text
    .toLowerCase()
    .replace(/\*/g, 'wildcard')
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 253);
}

export { compact } from '../compact';
