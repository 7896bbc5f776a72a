/**
 * The original client address for `remoteIpBlocks` / `remote.ip`, as Envoy derives it with
 * `use_remote_address: true` and `xff_num_trusted_hops: N`: the connection's peer address is
 * appended to x-forwarded-for and the address N entries from the right is the client; with
 * fewer entries than that, the peer address itself (nothing trustworthy is known beyond it).
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/headers#x-forwarded-for
 */
import { unmapIPv4 } from './cidr';

export function remoteAddress(peerAddress: string, xff: string | undefined, trustedHops: number): string {
  const peer = unmapIPv4(peerAddress);
  if (trustedHops === 0 || xff === undefined || xff === '') return peer;
  const chain = xff.split(',').map((s) => s.trim()).filter((s) => s !== '');
  chain.push(peer);
  const i = chain.length - 1 - trustedHops;
  return i >= 0 ? unmapIPv4(chain[i]!) : peer;
}
