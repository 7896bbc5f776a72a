import type { MtlsMode } from '../../model/security';
import { SyncWave } from '../sync-waves';
import type { Manifest } from '../target';
import { API, ISTIO_ROOT_NAMESPACE, manifest, workloadSelector, type IstioContext } from './common';

const MODE: Record<MtlsMode, string> = { strict: 'STRICT', permissive: 'PERMISSIVE', disable: 'DISABLE' };

/**
 * PeerAuthentication at the three levels Istio resolves (workload over namespace over mesh):
 * - mesh: `default` in the root namespace with the mesh's mode, only with `defaultsScope:
 *   'mesh-wide'` (it applies to every namespace of the cluster, including those Weft does not
 *   manage);
 * - namespace: `default` in a namespace Weft deploys to. With `defaultsScope: 'namespaces'`
 *   every such namespace gets one (the mesh's mode, or the mode all its services override
 *   alike), so that Weft's workloads get the declared mode whatever the cluster's mesh-wide
 *   policy says; with `mesh-wide`, only namespaces whose services all differ from the mesh;
 * - workload: one per service whose mode differs from its namespace's.
 * STRICT tightens, so it is written in the `tightening` wave, after the routes; PERMISSIVE and
 * DISABLE in the `foundation` wave (src/targets/sync-waves.ts).
 * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/
 */
const waveOf = (mode: MtlsMode) => (mode === 'strict' ? SyncWave.tightening : SyncWave.foundation);

export function peerAuthentications(ic: IstioContext): Manifest[] {
  const { model, ctx } = ic;
  const meshMode = model.security.mtls;
  const meshWide = model.defaultsScope === 'mesh-wide';
  const out: Manifest[] = meshWide
    ? [manifest(ic, API.security, 'PeerAuthentication', 'default', ISTIO_ROOT_NAMESPACE, 'mesh', waveOf(meshMode), { mtls: { mode: MODE[meshMode] } })]
    : [];
  for (const ns of ctx.index.namespaces()) {
    const services = model.services.filter((s) => s.namespace === ns);
    if (services.length === 0) continue;
    const modes = new Set(services.map((s) => ctx.index.mtlsOf(s)));
    const nsMode = modes.size === 1 ? [...modes][0]! : meshMode;
    if (nsMode !== meshMode || !meshWide)
      out.push(manifest(ic, API.security, 'PeerAuthentication', 'default', ns, 'mesh', waveOf(nsMode), { mtls: { mode: MODE[nsMode] } }));
    for (const s of services) {
      const mode = ctx.index.mtlsOf(s);
      if (mode !== nsMode)
        out.push(manifest(ic, API.security, 'PeerAuthentication', s.name, ns, s.name, waveOf(mode), { selector: workloadSelector(s), mtls: { mode: MODE[mode] } }));
    }
  }
  return out;
}
