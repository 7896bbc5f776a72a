import { protocolSchema } from '../../model/service';
import type { Rule } from '../rule';

/**
 * A service port whose name does not announce its protocol. Istio (and Consul's protocol
 * detection on Kubernetes) select the protocol from a port name of the form `<protocol>` or
 * `<protocol>-<suffix>`; any other name makes the mesh sniff the protocol, which adds latency to
 * every new connection and treats server-first protocols as TCP. A name announcing a different
 * protocol than the one declared is worse: the mesh believes the name.
 * Weft's default names (`http`, `grpc-9090`) always comply; only explicit names can fail.
 * @see https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/
 */
export const portNames: Rule = {
  id: 'port-names',
  codes: { WEFT402: { severity: 'warning', title: 'port name without protocol prefix' } },
  check(ctx) {
    for (const s of ctx.model.services)
      for (const port of s.ports) {
        if (announces(port.name, port.protocol)) continue;
        const other = protocolSchema.options.find((p) => p !== port.protocol && announces(port.name, p));
        ctx.report(
          'WEFT402',
          s,
          other
            ? `port ${port.port} of service "${s.name}" is declared ${port.protocol} but named "${port.name}", which tells the mesh it is ${other}`
            : `port ${port.port} of service "${s.name}" is named "${port.name}", which does not start with its protocol ("${port.protocol}" or "${port.protocol}-…"), so the mesh has to sniff the protocol (https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/)`,
          `name it "${port.protocol}" or "${port.protocol}-${suffixFor(port.name, other)}"`,
        );
      }
  },
};

function announces(name: string, protocol: string): boolean {
  return name === protocol || name.startsWith(`${protocol}-`);
}

function suffixFor(name: string, other: string | undefined): string {
  const rest = other ? name.slice(other.length + 1) : name;
  return rest.length > 0 ? rest : 'web';
}
