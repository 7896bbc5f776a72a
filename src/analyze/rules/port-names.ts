import { protocolSchema } from '../../model/service';
import type { Rule } from '../rule';

/**
 * A service port whose name announces another protocol than the declared one (`grpc-api` on an
 * `http` port). The meshes do not go by the name: the Kubernetes target writes every Service
 * port's `appProtocol` from the declared protocol, which Istio reads before the port name (and
 * Consul takes the protocol from ServiceDefaults, the weft proxy from its config), so nothing is
 * sniffed and a name without a protocol prefix (`web`) is harmless. A name that says another
 * protocol misleads whoever reads the Service by its port names: people, dashboards, and tools
 * that predate `appProtocol`.
 * @see https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/#explicit-protocol-selection
 * @see https://kubernetes.io/docs/concepts/services-networking/service/#application-protocol
 */
export const portNames: Rule = {
  id: 'port-names',
  codes: { WEFT402: { severity: 'warning', title: 'port name announces another protocol' } },
  check(ctx) {
    for (const s of ctx.model.services)
      for (const port of s.ports) {
        if (announces(port.name, port.protocol)) continue;
        const other = protocolSchema.options.find((p) => p !== port.protocol && announces(port.name, p));
        if (!other) continue;
        ctx.report(
          'WEFT402',
          s,
          `port ${port.port} of service "${s.name}" is declared ${port.protocol} but named "${port.name}", which announces ${other}: the mesh follows the declaration (the Service port's appProtocol, which Istio reads before the name), but whoever reads the port name sees ${other}`,
          `name it "${port.protocol}" or "${port.protocol}-${port.name.slice(other.length + 1) || 'web'}"`,
        );
      }
  },
};

function announces(name: string, protocol: string): boolean {
  return name === protocol || name.startsWith(`${protocol}-`);
}
