/**
 * Loading a proxy config: read → JSON.parse → ajv against the committed JSON Schema
 * (./validators; defaults applied by ajv `useDefaults`, and inside unions by ./defaults) →
 * cross-reference checks.
 * Every failure is a `ConfigInvalidError` listing each problem with its JSON path
 * (`$.routes[2].action.destinations[0].service`) and reason, so that an operator can fix the
 * file without reading proxy code. The proxy never starts on an invalid file.
 *
 * zod (./schema.ts) stays the source of truth, but is not loaded here: the committed JSON
 * Schema is generated from it (a test fails when it is stale, another when ajv's defaults
 * differ from zod's output), and keeping zod out of the proxy process saves memory per worker.
 */
import type { ErrorObject } from 'ajv';
import { ConfigInvalidError, ConfigReadError, type ConfigIssue } from '../errors';
import { applyUnionDefaults } from './defaults';
import type { ProxyConfig } from './schema';
import { readText } from './read-text';
import { sha256Hex } from '../sha256';
import { semanticIssues } from './semantic';
import { configSchema, releaseValidators, validatorAt } from './validators';

/** A validated config together with the bytes it came from. */
export interface LoadedConfig {
  readonly config: ProxyConfig;
  /** sha256 of the file bytes: `/config_dump` and `weft_proxy_config_info` expose it. */
  readonly hash: string;
  readonly text: string;
}

/** `/routes/2/match` + property → `$.routes[2].match.property`. */
export function toJsonPath(instancePath: string, property?: string): string {
  let out = '$';
  const parts = instancePath === '' ? [] : instancePath.slice(1).split('/');
  if (property !== undefined) parts.push(property);
  for (const raw of parts) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(part) ? `[${part}]` : /^[A-Za-z_$][\w$]*$/.test(part) ? `.${part}` : `[${JSON.stringify(part)}]`;
  }
  return out;
}

function describe(e: ErrorObject): ConfigIssue {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties':
      return { path: toJsonPath(e.instancePath, String(p.additionalProperty)), message: 'unknown field' };
    case 'required':
      return { path: toJsonPath(e.instancePath, String(p.missingProperty)), message: 'required field is missing' };
    case 'const':
      return { path: toJsonPath(e.instancePath), message: `must be ${JSON.stringify(p.allowedValue)}` };
    case 'enum':
      return { path: toJsonPath(e.instancePath), message: `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    default:
      return { path: toJsonPath(e.instancePath), message: e.message ?? e.keyword };
  }
}

/**
 * ajv reports every branch of a union; keep what helps a human. Union summaries
 * ("must match a schema in anyOf") are dropped when a more specific error exists at or below
 * that path; the deepest (most specific) errors come first.
 */
function summarize(errors: readonly ErrorObject[]): ConfigIssue[] {
  const specific = errors.filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf');
  const unions = errors.filter((e) => (e.keyword === 'anyOf' || e.keyword === 'oneOf') && !specific.some((s) => s.instancePath.startsWith(e.instancePath)));
  const issues = [...specific, ...unions].map(describe);
  const seen = new Set<string>();
  return issues
    .filter((i) => (seen.has(i.path + i.message) ? false : (seen.add(i.path + i.message), true)))
    .sort((a, b) => b.path.length - a.path.length || a.path.localeCompare(b.path));
}

/**
 * Validates a document already parsed from JSON and returns it with defaults applied (a copy:
 * the caller's object is not changed); `source` names it in errors.
 */
export function parseProxyConfig(document: unknown, source = '<config>'): ProxyConfig {
  return validated(structuredClone(document), source);
}

function validated(document: unknown, source: string): ProxyConfig {
  try {
    const check = validatorAt('');
    if (!check(document)) throw new ConfigInvalidError(source, summarize(check.errors ?? []));
    applyUnionDefaults(configSchema(), document, validatorAt);
  } finally {
    // Validators are needed again only at the next load: the proxy's bundle frees them here.
    releaseValidators();
  }
  const config = document as ProxyConfig;
  const issues = semanticIssues(config);
  if (issues.length > 0) throw new ConfigInvalidError(source, issues);
  return config;
}

/** Parses config text (the bytes of a file). */
export function parseProxyConfigText(text: string, source = '<config>'): LoadedConfig {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new ConfigInvalidError(source, [{ path: '$', message: `not valid JSON: ${(error as Error).message}` }]);
  }
  return { config: validated(document, source), hash: hashConfig(text), text };
}

export function hashConfig(text: string): string {
  return 'sha256:' + sha256Hex(text);
}

/** Reads and validates a config file. */
/** `transform` rewrites the text before validation (local mode, config/local-overrides.ts). */
export async function loadProxyConfig(file: string, transform?: (text: string) => string): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readText(file);
  } catch (error) {
    throw new ConfigReadError(file, error);
  }
  return parseProxyConfigText(transform ? transform(text) : text, file);
}
