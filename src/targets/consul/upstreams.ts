import type { ModelIndex } from '../../model/query';
import type { Service } from '../../model/service';
import { consulName } from './common';

/**
 * The first local port a sidecar binds an upstream to when there is no transparent proxy (VMs,
 * and consul environments with `transparentProxy: false`); each further call of the service takes
 * the next port, in the order of its `calls`, so that the same calls always give the same ports
 * and the application is configured once (`localhost:<port>`). It is the start of Consul's
 * default sidecar port range (`sidecar_min_port` 21000), where nothing else listens in a pod.
 * @see https://developer.hashicorp.com/consul/docs/agent/config/config-files#sidecar_min_port
 */
export const FIRST_UPSTREAM_PORT = 21000;

export interface Upstream {
  name: string;
  localPort: number;
}

/** The declared calls (services and external services) as upstreams, each once, on consecutive local ports. */
export function upstreamsOf(index: ModelIndex, s: Service): Upstream[] {
  const names: string[] = [];
  for (const c of s.calls) {
    const name = c.target.kind === 'service' ? (index.service(c.target.service) ? consulName(c.target.service) : undefined) : c.target.name;
    if (name !== undefined && !names.includes(name)) names.push(name);
  }
  return names.map((name, i) => ({ name, localPort: FIRST_UPSTREAM_PORT + i }));
}
