import { ConfigInvalidError, type ConfigIssue } from '../errors';
import { parseProxyConfig } from './load';

export type { ConfigIssue } from '../errors';

/**
 * What the proxy's loader (ajv on the published JSON Schema, zod, cross-reference checks) says
 * of a config document: the issues, empty when the proxy would start with it. Part of the config
 * contract, so that the compiler's weft target can check what it emits without importing the
 * proxy's runtime errors.
 */
export function proxyConfigIssues(document: unknown, source = '<config>'): readonly ConfigIssue[] {
  try {
    parseProxyConfig(document, source);
    return [];
  } catch (error) {
    if (error instanceof ConfigInvalidError) return error.issues;
    throw error;
  }
}
