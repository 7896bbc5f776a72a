import type { Chart } from 'cdk8s';
import type { Service } from '../../model/service';
import type { EmitContext } from '../target';
import { SyncWave } from '../sync-waves';
import { objectMeta } from './metadata';
import { PlainObject } from './plain-object';

/** What a Deployment needs of its service's ConfigMap. */
export interface ConfigMapRef {
  readonly name: string;
  /** The keys written (invalid ones were reported and left out). */
  readonly data: Readonly<Record<string, string>>;
}

/** @see https://kubernetes.io/docs/concepts/configuration/configmap/#configmap-object */
const CONFIG_MAP_KEY = /^[-._a-zA-Z0-9]+$/;
/** The API server rejects a ConfigMap whose data exceeds 1 MiB. */
const MAX_BYTES = 1024 * 1024;

/**
 * The service's ConfigMap: its files (mounted at `config.mountPath`) and its values (exposed
 * as environment variables), in one object named `config.name`. Returns the construct, or
 * undefined when the service has no config.
 */
export function emitConfigMap(chart: Chart, ctx: EmitContext, service: Service): ConfigMapRef | undefined {
  const config = service.config;
  if (!config) return undefined;
  const data: Record<string, string> = {};
  const keys = [...Object.keys(config.files).map((k) => ({ k, v: config.files[k]!, what: 'file' })), ...Object.keys(config.values).map((k) => ({ k, v: config.values[k]!, what: 'value' }))];
  let bytes = 0;
  for (const { k, v, what } of keys) {
    if (!CONFIG_MAP_KEY.test(k) || k === '.' || k === '..') {
      report662(ctx, service, `config ${what} "${k}" of service "${service.name}" is not a valid ConfigMap key`, 'use only letters, digits, "-", "_" and "."');
      continue;
    }
    if (k in data) {
      report662(ctx, service, `config key "${k}" of service "${service.name}" is both a file and a value`, 'rename the file or the value: they share one ConfigMap');
      continue;
    }
    data[k] = v;
    bytes += Buffer.byteLength(k) + Buffer.byteLength(v);
  }
  if (bytes > MAX_BYTES) {
    ctx.report({
      code: 'WEFT665',
      message: `the ConfigMap of service "${service.name}" holds ${bytes} bytes; Kubernetes accepts at most ${MAX_BYTES}`,
      path: service.path,
      location: service.location,
      hint: 'ship large files in the image or a volume; keep ConfigMaps for small settings',
    });
  }
  const sorted = Object.fromEntries(Object.keys(data).sort().map((k) => [k, data[k]!]));
  // As cdk8s-plus's ConfigMap renders it: `immutable: false`, no `data` when it is empty.
  new PlainObject(chart, `ConfigMap:${service.namespace}:${config.name}`, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: objectMeta(ctx.model, service.name, config.name, service.namespace, SyncWave.foundation),
    ...(Object.keys(sorted).length > 0 ? { data: sorted } : {}),
    immutable: false,
  });
  return { name: config.name, data: sorted };
}

function report662(ctx: EmitContext, service: Service, message: string, hint: string): void {
  ctx.report({ code: 'WEFT662', message, path: service.path, location: service.location, hint });
}
