import { readFileSync } from 'node:fs';

/**
 * The sidecar's fixed ports. They follow Istio's (Envoy's) conventional sidecar ports so that an
 * operator who knows Istio recognises them: 15001 outbound, 15006 inbound, 15000 admin.
 * @see https://istio.io/latest/docs/ops/deployment/application-requirements/#ports-used-by-istio
 */
export const PROXY_PORTS = {
  /** The application's calls (`HTTP_PROXY`); loopback only. */
  outbound: 15001,
  /** Traffic to the application; the Kubernetes Services target it. */
  inbound: 15006,
  /** `/ready`, `/metrics`, `/config_dump`, `/clusters`; on all interfaces so that the kubelet and Prometheus reach it. */
  admin: 15000,
} as const;

/** Where the sidecar mounts its ConfigMap, and the key (file) inside it. */
export const CONFIG_DIR = '/etc/weft';
export const CONFIG_KEY = 'proxy.json';
export const CONFIG_FILE = `${CONFIG_DIR}/${CONFIG_KEY}`;

/**
 * `$schema` of every emitted config: the JSON Schema the proxy publishes
 * (`proxyConfigJsonSchema()` → `schemas/weft-proxy-config.schema.json` at the repository root),
 * relative to `dist/<env>/weft/<namespace>/<workload>.json`, so that an editor opened on the
 * committed file validates and completes it. The proxy ignores the field; the ConfigMap holds the
 * same bytes, so the file in git and the file in the pod hash alike.
 */
export const SCHEMA_REF = '../../../../schemas/weft-proxy-config.schema.json';

/** The ConfigMap that holds one workload's config. */
export function configMapName(workload: string): string {
  return `${workload}-proxy`;
}

/**
 * Weft's own version, read once when this module loads: the sidecar image is tagged with it, so
 * that the compiler and the proxy it configures always come from one release (and synth output
 * changes only when the version does).
 */
export const WEFT_VERSION: string = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export const PROXY_IMAGE = `ghcr.io/weft-mesh/weft-proxy:${WEFT_VERSION}`;
