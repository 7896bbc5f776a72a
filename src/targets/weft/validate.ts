import type { ConfigIssue } from '../../proxy/errors';
import { ConfigInvalidError } from '../../proxy/errors';
import { parseProxyConfig } from '../../proxy/config/load';

/**
 * Runs the proxy's own loader (ajv on the published JSON Schema, zod, cross-reference checks)
 * on an emitted document, so that synth never writes a config the proxy would refuse to start
 * with. Returns the issues, empty when the proxy accepts it.
 */
export function proxyConfigIssues(json: string, source: string): readonly ConfigIssue[] {
  try {
    parseProxyConfig(JSON.parse(json), source);
    return [];
  } catch (error) {
    if (error instanceof ConfigInvalidError) return error.issues;
    throw error;
  }
}
