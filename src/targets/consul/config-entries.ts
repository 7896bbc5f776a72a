import type { JsonFile, Manifest } from '../target';

type Json = unknown;

/** Config entry `Kind` of each consul-k8s CRD kind. @see https://developer.hashicorp.com/consul/docs/connect/config-entries */
export const ENTRY_KIND: Readonly<Record<string, string>> = {
  ServiceDefaults: 'service-defaults',
  ServiceRouter: 'service-router',
  ServiceSplitter: 'service-splitter',
  ServiceResolver: 'service-resolver',
  ServiceIntentions: 'service-intentions',
  ProxyDefaults: 'proxy-defaults',
  Mesh: 'mesh',
  JWTProvider: 'jwt-provider',
};

/**
 * Config-entry field names that are not the CRD's camelCase name with a capital first letter:
 * Consul's Go field names keep their initialisms.
 * @see https://github.com/hashicorp/consul/blob/main/api/config_entry.go
 */
const INITIALISMS: Readonly<Record<string, string>> = {
  http: 'HTTP',
  jwt: 'JWT',
  ttl: 'TTL',
  uri: 'URI',
  jwks: 'JWKS',
  sourceIP: 'SourceIP',
  jsonWebKeySet: 'JSONWebKeySet',
};

/**
 * Maps whose keys are data, not field names: header names (`Add`, `Set`), subset names
 * (`Subsets`), and ProxyDefaults' opaque `Config` (Envoy's snake_case keys, taken as written).
 */
const DATA_KEYS = new Set(['add', 'set', 'subsets']);
const OPAQUE = new Set(['config']);

/**
 * The same object as a config entry for `consul config write`: `Kind`, `Name`, and the spec with
 * PascalCase field names. A ServiceIntentions entry is named after its destination; the Mesh
 * entry has no name (there is one per datacenter).
 * @see https://developer.hashicorp.com/consul/commands/config/write
 */
export function toConfigEntry(m: Manifest): Record<string, Json> | undefined {
  const kind = ENTRY_KIND[m.kind];
  if (!kind || m.apiVersion !== 'consul.hashicorp.com/v1alpha1') return undefined;
  const spec = { ...(m.spec as Record<string, Json>) };
  let name: string | undefined = m.metadata.name;
  if (m.kind === 'ServiceIntentions') {
    name = (spec.destination as { name: string }).name;
    delete spec.destination;
  }
  if (m.kind === 'Mesh') name = undefined;
  return { Kind: kind, ...(name === undefined ? {} : { Name: name }), ...(pascal(spec) as Record<string, Json>) };
}

/** `config-entries/<kind>-<name>.json`; the wildcard intention is `service-intentions-default-deny.json`. */
export function configEntryFiles(manifests: readonly Manifest[]): JsonFile[] {
  const files: JsonFile[] = [];
  for (const m of manifests) {
    const entry = toConfigEntry(m);
    if (entry) files.push({ path: `config-entries/${entry.Kind}-${m.metadata.name}.json`, json: entry });
  }
  return files;
}

function pascal(value: Json): Json {
  if (Array.isArray(value)) return value.map(pascal);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(value as Record<string, Json>)) {
    const key = INITIALISMS[k] ?? k.charAt(0).toUpperCase() + k.slice(1);
    if (OPAQUE.has(k)) out[key] = v;
    else if (DATA_KEYS.has(k) && v && typeof v === 'object' && !Array.isArray(v)) out[key] = Object.fromEntries(Object.entries(v).map(([dk, dv]) => [dk, pascal(dv)]));
    else out[key] = pascal(v);
  }
  return out;
}
