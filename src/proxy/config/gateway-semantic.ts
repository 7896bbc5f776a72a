/** Checks of gateway servers the JSON Schema cannot express (see gateway-schema.ts). */
import type { ConfigIssue } from '../errors';
import type { ProxyConfig } from './schema';

export function gatewayIssues(config: ProxyConfig): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const names = new Set<string>();
  config.listeners.gateway.forEach((g, i) => {
    const at = `$.listeners.gateway[${i}]`;
    if (names.has(g.name)) out.push({ path: `${at}.name`, message: `duplicate gateway server "${g.name}"` });
    names.add(g.name);
    // Istio: MUTUAL verifies client certificates, so it needs the CA they must chain to.
    if (g.tls?.mode === 'MUTUAL' && g.tls.files.caFile === undefined) out.push({ path: `${at}.tls.files.caFile`, message: 'MUTUAL needs caFile (the CA client certificates must chain to)' });
    if (g.tls && g.httpsRedirect) out.push({ path: `${at}.httpsRedirect`, message: 'a TLS server cannot redirect to https; set httpsRedirect on a plain HTTP server' });
  });
  return out;
}
