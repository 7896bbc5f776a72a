/**
 * Cross-field checks of the security config that the schema cannot express: CIDR blocks that
 * do not parse, upstream mTLS without a workload certificate, duplicate JWT issuers, Consul
 * discovery without an agent address.
 */
import { isIP } from 'node:net';
import type { ConfigIssue } from '../errors';
import type { ProxyConfig } from './schema';

function validCidr(block: string): boolean {
  const [address, bits, extra] = block.split('/');
  if (extra !== undefined || !address) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (bits === undefined) return true;
  return /^\d+$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

export function securityIssues(config: ProxyConfig): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const sec = config.security;
  sec.authorization.policies.forEach((p, i) =>
    p.rules.forEach((r, j) => {
      r.from?.forEach((f, k) => {
        for (const key of ['ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks'] as const)
          f.source[key]?.forEach((b, n) => {
            if (!validCidr(b)) out.push({ path: `$.security.authorization.policies[${i}].rules[${j}].from[${k}].source.${key}[${n}]`, message: `"${b}" is not an IP address or CIDR block` });
          });
      });
      r.when?.forEach((c, k) => {
        if (c.key !== 'source.ip' && c.key !== 'remote.ip') return;
        [...(c.values ?? []), ...(c.notValues ?? [])].forEach((b) => {
          if (!validCidr(b)) out.push({ path: `$.security.authorization.policies[${i}].rules[${j}].when[${k}]`, message: `"${b}" is not an IP address or CIDR block` });
        });
      });
    }),
  );
  if (!sec.mtls)
    config.services.forEach((s, i) => {
      if (s.tls) out.push({ path: `$.services[${i}].tls`, message: 'upstream mTLS needs the workload certificate in security.mtls' });
    });
  const issuers = new Set<string>();
  sec.jwt.forEach((r, i) => {
    if (issuers.has(r.issuer)) out.push({ path: `$.security.jwt[${i}].issuer`, message: `issuer "${r.issuer}" is declared twice` });
    issuers.add(r.issuer);
  });
  if ((sec.authorization.policies.length > 0 || sec.jwt.length > 0 || sec.mtls?.mode === 'STRICT') && !config.listeners.inbound && config.inboundTcpListeners.length === 0) {
    out.push({ path: '$.security', message: 'authorization, JWT and STRICT mTLS apply to the inbound listeners, none of which is configured' });
  }
  if (sec.jwt.length > 0 && !config.listeners.inbound) out.push({ path: '$.security.jwt', message: 'JWT authentication applies to the HTTP inbound listener, which is not configured' });
  const inboundNames = new Set<string>();
  config.inboundTcpListeners.forEach((l, i) => {
    if (inboundNames.has(l.name)) out.push({ path: `$.inboundTcpListeners[${i}].name`, message: `duplicate inbound TCP listener "${l.name}"` });
    inboundNames.add(l.name);
  });
  const names = new Set<string>();
  config.tcpListeners.forEach((l, i) => {
    if (names.has(l.name)) out.push({ path: `$.tcpListeners[${i}].name`, message: `duplicate TCP listener "${l.name}"` });
    names.add(l.name);
    l.destinations.forEach((d, j) => {
      const svc = config.services.find((s) => s.name === d.service);
      if (!svc) out.push({ path: `$.tcpListeners[${i}].destinations[${j}].service`, message: `unknown service "${d.service}"` });
      else if (d.subset !== undefined && !svc.subsets.some((s) => s.name === d.subset)) out.push({ path: `$.tcpListeners[${i}].destinations[${j}].subset`, message: `service "${d.service}" has no subset "${d.subset}"` });
    });
    if (l.destinations.every((d) => d.weight === 0)) out.push({ path: `$.tcpListeners[${i}].destinations`, message: 'at least one destination needs a weight > 0' });
  });
  config.services.forEach((s, i) =>
    s.subsets.forEach((sub, j) => {
      if (sub.discovery?.type === 'consul' && !config.discovery.consul) out.push({ path: `$.services[${i}].subsets[${j}].discovery`, message: 'consul discovery needs discovery.consul.address' });
    }),
  );
  return out;
}
