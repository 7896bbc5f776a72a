/**
 * What a consistent-hash LB hashes on, as Istio's `consistentHash`: a header, a cookie, the
 * source IP, or a query parameter. A missing cookie with a TTL is generated and set on the
 * response, as Envoy does, so the client sticks to the host from its next request on.
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#LoadBalancerSettings-ConsistentHashLB
 */
import { randomHex } from '../random-fill';
import type { LoadBalancerConfig } from '../config/schema';
import type { HashKey } from './types';

type HashOn = Extract<LoadBalancerConfig, { type: 'consistent-hash' }>['hashOn'];

export function cookieValue(cookieHeader: string | undefined, name: string): string | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function queryParam(path: string, name: string): string | undefined {
  const q = path.indexOf('?');
  if (q === -1) return undefined;
  return new URLSearchParams(path.slice(q + 1)).get(name) ?? undefined;
}

export function hashKey(on: HashOn): HashKey {
  if ('header' in on) {
    const name = on.header.toLowerCase();
    return (ex) => ex.header(name);
  }
  if ('sourceIp' in on) return (ex) => ex.clientAddress;
  if ('queryParam' in on) return (ex) => queryParam(ex.path, on.queryParam);
  const { name, ttlMs, path } = on.cookie;
  return (ex) => {
    const v = cookieValue(ex.header('cookie'), name);
    if (v !== undefined || ttlMs === undefined) return v;
    // A retry picks again: reuse the cookie this request already generated.
    const extra = ex.responseExtra;
    if (extra) for (let i = 0; i < extra.length; i += 2) if (extra[i] === 'set-cookie' && extra[i + 1]!.startsWith(name + '=')) return extra[i + 1]!.slice(name.length + 1).split(';')[0];
    const generated = randomHex(8);
    // ttl 0 makes a session cookie (no Max-Age), as Envoy does: Max-Age=0 would delete it at once.
    const attrs = ttlMs > 0 ? [`${name}=${generated}`, `Max-Age=${Math.floor(ttlMs / 1000)}`, 'HttpOnly'] : [`${name}=${generated}`, 'HttpOnly'];
    if (path) attrs.push(`Path=${path}`);
    (ex.responseExtra ??= []).push('set-cookie', attrs.join('; '));
    return generated;
  };
}
