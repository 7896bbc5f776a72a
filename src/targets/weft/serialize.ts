import { stableJson } from '../../constructs/stable-json';
import type { ProxyConfigInput } from '../../proxy/config/schema';

/**
 * The bytes of a config file: two-space JSON, keys sorted at every level (arrays keep their
 * order: routes are evaluated in it), a trailing newline. The same model gives the same bytes.
 */
export function serializeProxyConfig(config: ProxyConfigInput): string {
  return stableJson(config) + '\n';
}
