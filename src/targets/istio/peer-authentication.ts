import type { MtlsMode } from '../../model/security';
import { SyncWave } from '../sync-waves';
import type { Manifest } from '../target';
import { API, ISTIO_ROOT_NAMESPACE, manifest, workloadSelector, type IstioContext } from './common';

const MODE: Record<MtlsMode, string> = { strict: 'STRICT', permissive: 'PERMISSIVE', disable: 'DISABLE' };

/**
 * PeerAuthentication at the three levels Istio resolves (workload over namespace over mesh):
 * - mesh: `default` in the root namespace with the mesh's mode;
 * - namespace: `default` in a namespace whose services all override the mesh's mode the same
 *   way (one object instead of one per workload);
 * - workload: one per service whose mode differs from its namespace's.
 * Written in the `foundation` wave, before workloads and routes.
 * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/
 */
export function peerAuthentications(ic: IstioContext): Manifest[] {
  const { model, ctx } = ic;
  const meshMode = model.security.mtls;
  const out: Manifest[] = [
    manifest(ic, API.security, 'PeerAuthentication', 'default', ISTIO_ROOT_NAMESPACE, 'mesh', SyncWave.foundation, { mtls: { mode: MODE[meshMode] } }),
  ];
  for (const ns of ctx.index.namespaces()) {
    const services = model.services.filter((s) => s.namespace === ns);
    const modes = new Set(services.map((s) => ctx.index.mtlsOf(s)));
    const nsMode = modes.size === 1 ? [...modes][0]! : meshMode;
    if (nsMode !== meshMode)
      out.push(manifest(ic, API.security, 'PeerAuthentication', 'default', ns, 'mesh', SyncWave.foundation, { mtls: { mode: MODE[nsMode] } }));
    for (const s of services) {
      const mode = ctx.index.mtlsOf(s);
      if (mode !== nsMode)
        out.push(manifest(ic, API.security, 'PeerAuthentication', s.name, ns, s.name, SyncWave.foundation, { selector: workloadSelector(s), mtls: { mode: MODE[mode] } }));
    }
  }
  return out;
}
