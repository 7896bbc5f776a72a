/**
 * CIDR blocks of an authorization rule (`ipBlocks`, `remoteIpBlocks`): "10.0.0.0/8", "::1/128"
 * or a bare address (a /32 or /128). IPv4-mapped IPv6 peers (`::ffff:10.1.2.3`, as a dual-stack
 * listener reports them) match IPv4 blocks.
 */
import { BlockList, isIP } from 'node:net';
import { InvalidCidrError } from './errors';

export type AddressPredicate = (address: string) => boolean;

const MAPPED = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

export function unmapIPv4(address: string): string {
  const m = MAPPED.exec(address);
  return m ? m[1]! : address;
}

export function cidrSet(blocks: readonly string[]): AddressPredicate {
  const list = new BlockList();
  for (const block of blocks) {
    const [address, bits] = block.split('/') as [string, string | undefined];
    const family = isIP(address);
    if (family === 0) throw new InvalidCidrError(block);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    const prefix = bits === undefined ? (family === 4 ? 32 : 128) : Number(bits);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128) || (bits !== undefined && !/^\d+$/.test(bits))) throw new InvalidCidrError(block);
    list.addSubnet(address, prefix, type);
  }
  return (raw) => {
    const address = unmapIPv4(raw);
    const family = isIP(address);
    if (family === 0) return false;
    return list.check(address, family === 4 ? 'ipv4' : 'ipv6');
  };
}
