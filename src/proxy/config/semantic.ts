/**
 * Checks the JSON Schema cannot express: references between services and routes, regexes
 * that compile, options that only make sense together. Each issue carries its JSON path.
 */
import { securityIssues } from './security-semantic';
import { degradationIssues } from './degradation-semantic';
import { gatewayIssues } from './gateway-semantic';
import type { ConfigIssue } from '../errors';
import type { ProxyConfig, StringMatch, ValueMatch } from './schema';

function checkRegex(m: StringMatch | ValueMatch | undefined, path: string, out: ConfigIssue[]): void {
  if (m && 'regex' in m) {
    try {
      new RegExp(m.regex);
    } catch (error) {
      out.push({ path: `${path}.regex`, message: `invalid regular expression: ${(error as Error).message}` });
    }
  }
}

function isPrime(n: number): boolean {
  if (n < 2) return false;
  for (let i = 2; i * i <= n; i++) if (n % i === 0) return false;
  return true;
}

export function semanticIssues(config: ProxyConfig): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const services = new Map<string, Set<string>>();
  config.services.forEach((s, i) => {
    const at = `$.services[${i}]`;
    if (services.has(s.name)) out.push({ path: `${at}.name`, message: `duplicate service "${s.name}"` });
    const subsets = new Set<string>();
    s.subsets.forEach((sub, j) => {
      if (subsets.has(sub.name)) out.push({ path: `${at}.subsets[${j}].name`, message: `duplicate subset "${sub.name}"` });
      subsets.add(sub.name);
    });
    services.set(s.name, subsets);
    const lb = s.loadBalancer;
    if (lb.type === 'consistent-hash' && lb.algorithm === 'maglev' && !isPrime(lb.tableSize)) {
      out.push({ path: `${at}.loadBalancer.tableSize`, message: 'maglev table size must be a prime number (Envoy)' });
    }
  });

  const checkRef = (service: string, subset: string | undefined, path: string): void => {
    const subsets = services.get(service);
    if (!subsets) out.push({ path: `${path}.service`, message: `unknown service "${service}"` });
    else if (subset !== undefined && !subsets.has(subset)) out.push({ path: `${path}.subset`, message: `service "${service}" has no subset "${subset}"` });
  };

  const names = new Set<string>();
  config.routes.forEach((r, i) => {
    const at = `$.routes[${i}]`;
    if (names.has(r.name)) out.push({ path: `${at}.name`, message: `duplicate route "${r.name}"` });
    names.add(r.name);
    checkRegex(r.match.path, `${at}.match.path`, out);
    for (const [k, m] of Object.entries(r.match.headers ?? {})) checkRegex(m, `${at}.match.headers[${JSON.stringify(k)}]`, out);
    for (const [k, m] of Object.entries(r.match.query ?? {})) checkRegex(m, `${at}.match.query[${JSON.stringify(k)}]`, out);
    r.cors?.allowOrigins.forEach((m, j) => checkRegex(m, `${at}.cors.allowOrigins[${j}]`, out));
    const a = r.action;
    if (a.type === 'forward') {
      a.destinations.forEach((d, j) => checkRef(d.service, d.subset, `${at}.action.destinations[${j}]`));
      if (a.destinations.every((d) => d.weight === 0)) out.push({ path: `${at}.action.destinations`, message: 'at least one destination needs a weight > 0' });
    } else if (a.type === 'redirect') {
      if (a.prefixRewrite !== undefined && !(r.match.path && 'prefix' in r.match.path)) {
        out.push({ path: `${at}.action.prefixRewrite`, message: 'prefixRewrite needs a prefix path match' });
      }
      if (a.prefixRewrite !== undefined && a.path !== undefined) out.push({ path: `${at}.action.path`, message: 'use path or prefixRewrite, not both' });
    } else if (r.retries || r.mirror || r.timeoutMs) {
      out.push({ path: at, message: 'retries, mirror and timeoutMs need a forward action' });
    }
    if (r.mirror) checkRef(r.mirror.service, r.mirror.subset, `${at}.mirror`);
    const b = r.retries?.backoff;
    if (b?.maxMs !== undefined && b.maxMs < b.baseMs) out.push({ path: `${at}.retries.backoff.maxMs`, message: 'must be >= baseMs' });
    if (r.retries && r.retries.retriableStatusCodes.length > 0 && !r.retries.retryOn.includes('retriable-status-codes')) {
      out.push({ path: `${at}.retries.retriableStatusCodes`, message: 'has no effect unless retryOn includes "retriable-status-codes"' });
    }
  });

  const l = config.listeners;
  const ports: Array<readonly [string, number | undefined]> = [
    ['$.listeners.admin.port', l.admin.port],
    ['$.listeners.outbound.port', l.outbound?.port],
    ['$.listeners.inbound.port', l.inbound?.port],
    ...l.inboundPorts.map((p, i) => [`$.listeners.inboundPorts[${i}].port`, p.port] as const),
    ...l.gateway.map((g, i) => [`$.listeners.gateway[${i}].port`, g.port] as const),
    ...config.tcpListeners.map((t, i) => [`$.tcpListeners[${i}].port`, t.port] as const),
    ...config.inboundTcpListeners.map((t, i) => [`$.inboundTcpListeners[${i}].port`, t.port] as const),
  ];
  const used = new Map<number, string>();
  for (const [path, p] of ports) {
    if (p === undefined || p === 0) continue;
    const other = used.get(p);
    if (other) out.push({ path, message: `port ${p} is also used by ${other}` });
    used.set(p, path);
  }
  const inboundNames = new Set<string>();
  l.inboundPorts.forEach((p, i) => {
    if (!l.inbound) out.push({ path: `$.listeners.inboundPorts[${i}]`, message: 'further inbound ports need the first inbound listener (listeners.inbound)' });
    if (inboundNames.has(p.name)) out.push({ path: `$.listeners.inboundPorts[${i}].name`, message: `duplicate inbound listener "${p.name}"` });
    inboundNames.add(p.name);
  });
  if (!l.inbound && !l.outbound && config.tcpListeners.length === 0 && config.inboundTcpListeners.length === 0 && l.gateway.length === 0) out.push({ path: '$.listeners', message: 'needs an inbound, outbound, gateway or TCP listener' });
  out.push(...gatewayIssues(config));
  out.push(...securityIssues(config));
  out.push(...degradationIssues(config, checkRef));
  return out;
}
