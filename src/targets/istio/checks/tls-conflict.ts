import type { Manifest } from '../../target';
import { ISTIO_ROOT_NAMESPACE, hostOf, type IstioContext } from '../common';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * WEFT603: a DestinationRule TLS mode the server side rejects. Checked on the objects about to
 * be written, the way `istioctl analyze` does, so that any combination of mesh, namespace and
 * workload PeerAuthentication is covered: a client sending plaintext (`DISABLE`) to a STRICT
 * workload is reset, and a client sending Istio mTLS (`ISTIO_MUTUAL`) to a workload with mTLS
 * disabled fails its handshake. Workload policy wins over namespace over mesh; with none,
 * Istio's default is PERMISSIVE.
 * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/
 * @see https://istio.io/latest/docs/ops/configuration/traffic-management/tls-configuration/
 */
export function checkTlsConflicts(ic: IstioContext, manifests: readonly Manifest[]): void {
  const pas = manifests.filter((m) => m.kind === 'PeerAuthentication') as (Manifest & { spec: Obj })[];
  const modeOf = (m: Manifest & { spec: Obj }) => m.spec?.mtls?.mode as string | undefined;
  const mesh = pas.find((p) => p.metadata.namespace === ISTIO_ROOT_NAMESPACE && !p.spec?.selector);
  // Lookups by host, by workload and by namespace, each the first match in order, built once:
  // a search per DestinationRule would make this check quadratic in the services.
  const serviceByHost = firstBy(ic.model.services, (x) => hostOf(ic.model, x));
  const workloadPolicy = firstBy(
    pas.filter((p) => p.metadata.namespace !== undefined && p.spec?.selector?.matchLabels?.app !== undefined),
    (p) => `${p.metadata.namespace}|${p.spec.selector.matchLabels.app}`,
  );
  const namespacePolicy = firstBy(
    pas.filter((p) => p.metadata.namespace !== undefined && !p.spec?.selector),
    (p) => p.metadata.namespace ?? '',
  );
  for (const dr of manifests.filter((m) => m.kind === 'DestinationRule') as (Manifest & { spec: Obj })[]) {
    const clientMode = dr.spec?.trafficPolicy?.tls?.mode as string | undefined;
    if (!clientMode) continue;
    const s = serviceByHost.get(dr.spec.host);
    if (!s) continue;
    const workload = workloadPolicy.get(`${s.namespace}|${s.name}`);
    const namespace = namespacePolicy.get(s.namespace);
    const server = (workload && modeOf(workload)) ?? (namespace && modeOf(namespace)) ?? (mesh && modeOf(mesh)) ?? 'PERMISSIVE';
    const conflict = (clientMode === 'DISABLE' && server === 'STRICT') || (clientMode === 'ISTIO_MUTUAL' && server === 'DISABLE');
    if (conflict)
      ic.report(
        'WEFT603',
        s,
        `DestinationRule ${s.namespace}/${dr.metadata.name} sends ${clientMode === 'DISABLE' ? 'plaintext' : 'Istio mTLS'} to service "${s.name}", whose PeerAuthentication mode is ${server}: every call would fail`,
        `make service "${s.name}"'s mtls setting and the mesh's agree`,
      );
  }
}

/** The first item for each key, in order. */
function firstBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T> {
  const out = new Map<string, T>();
  for (const item of items) {
    const k = key(item);
    if (!out.has(k)) out.set(k, item);
  }
  return out;
}
