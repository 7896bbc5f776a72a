/** Checks of the degradation fields the JSON Schema cannot express: references to services and declared switches. */
import type { ConfigIssue } from '../errors';
import type { ProxyConfig } from './schema';

export function degradationIssues(config: ProxyConfig, checkRef: (service: string, subset: string | undefined, path: string) => void): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const switches = new Set<string>();
  config.switches.declared.forEach((s, i) => {
    if (switches.has(s.name)) out.push({ path: `$.switches.declared[${i}].name`, message: `duplicate switch "${s.name}"` });
    switches.add(s.name);
  });
  config.routes.forEach((r, i) => {
    const at = `$.routes[${i}]`;
    if (r.fallback && 'to' in r.fallback) checkRef(r.fallback.to.service, r.fallback.to.subset, `${at}.fallback.to`);
    r.degrade?.forEach((d, j) => {
      if (!switches.has(d.switch)) out.push({ path: `${at}.degrade[${j}].switch`, message: `unknown switch "${d.switch}" (declare it in switches.declared)` });
      if ('to' in d) checkRef(d.to.service, d.to.subset, `${at}.degrade[${j}].to`);
    });
  });
  const inbound = config.listeners.inbound;
  if (inbound?.fallback && 'to' in inbound.fallback) {
    out.push({ path: '$.listeners.inbound.fallback.to', message: 'the inbound listener reaches only its application: use a fallback response' });
  }
  config.listeners.inboundPorts.forEach((p, i) => {
    if (p.fallback && 'to' in p.fallback) out.push({ path: `$.listeners.inboundPorts[${i}].fallback.to`, message: 'an inbound listener reaches only its application: use a fallback response' });
  });
  return out;
}
