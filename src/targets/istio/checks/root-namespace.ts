import { ISTIO_ROOT_NAMESPACE, type IstioContext } from '../common';

/**
 * WEFT635: with `defaultsScope: 'namespaces'` Weft writes the mesh defaults (PeerAuthentication
 * `default`, Telemetry `mesh-default`) into each namespace that holds its services. In Istio's
 * root namespace a selector-less PeerAuthentication or Telemetry is the mesh-wide policy, so a
 * team deployed there would make them cluster-wide after all, which is what the setting promises
 * not to do.
 * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/ (root namespace)
 * @see https://istio.io/latest/docs/tasks/observability/telemetry/#scope-inheritance-and-overrides
 */
export function checkRootNamespace(ic: IstioContext): void {
  if (ic.model.defaultsScope !== 'namespaces') return;
  const s = ic.model.services.find((x) => x.namespace === ISTIO_ROOT_NAMESPACE);
  if (!s) return;
  const team = ic.model.teams.find((t) => t.namespace === ISTIO_ROOT_NAMESPACE);
  ic.report(
    'WEFT635',
    team ?? s,
    `service "${s.name}" is deployed to "${ISTIO_ROOT_NAMESPACE}", Istio's root namespace: the namespace PeerAuthentication and Telemetry Weft writes there apply to every namespace of the cluster, although defaultsScope is "namespaces"`,
    `deploy the team to a namespace of its own, or set defaultsScope: 'mesh-wide' to say that the mesh defaults are meant cluster-wide`,
  );
}
