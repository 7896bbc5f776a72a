import type { Service } from '../../model/service';
import type { EmitContext, Manifest } from '../target';
import { SyncWave } from '../sync-waves';
import { objectMeta } from './metadata';

/** What a Deployment needs of its service's ConfigMap. */
export interface ConfigMapRef {
  readonly name: string;
  /** The keys written (invalid ones were reported and left out). */
  readonly data: Readonly<Record<string, string>>;
  readonly manifest: Manifest;
}

/** @see https://kubernetes.io/docs/concepts/configuration/configmap/#configmap-object */
const CONFIG_MAP_KEY = /^[-._a-zA-Z0-9]+$/;
/** The API server rejects a ConfigMap whose data exceeds 1 MiB. */
const MAX_BYTES = 1024 * 1024;

/**
 * The service's ConfigMap: its files (mounted at `config.mountPath`) and its values (exposed
 * as environment variables), in one object named `config.name`. Undefined when the service has
 * no config.
 */
export function configMap(ctx: EmitContext, service: Service): ConfigMapRef | undefined {
  const config = service.config;
  if (!config) return undefined;
  const data: Record<string, string> = {};
  const keys = [...Object.keys(config.files).map((k) => ({ k, v: fileText(ctx, config.files[k]), what: 'file' })), ...Object.keys(config.values).map((k) => ({ k, v: config.values[k]!, what: 'value' }))];
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
    ctx.report(
      'WEFT665',
      service,
      `the ConfigMap of service "${service.name}" holds ${bytes} bytes; Kubernetes accepts at most ${MAX_BYTES}`,
      'ship large files in the image or a volume; keep ConfigMaps for small settings',
    );
  }
  const sorted = Object.fromEntries(Object.keys(data).sort().map((k) => [k, data[k]!]));
  // As cdk8s-plus's ConfigMap rendered it: `immutable: false`, no `data` when it is empty.
  const manifest: Manifest = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: objectMeta(ctx.model, service.name, config.name, service.namespace, SyncWave.foundation),
    ...(Object.keys(sorted).length > 0 ? { data: sorted } : {}),
    immutable: false,
  };
  return { name: config.name, data: sorted, manifest };
}

/** A config file's text: a string as written, a JSON document as synth's stable JSON. */
function fileText(ctx: EmitContext, content: unknown): string {
  return typeof content === 'string' ? content : ctx.json(content);
}

function report662(ctx: EmitContext, service: Service, message: string, hint: string): void {
  ctx.report('WEFT662', service, message, hint);
}
