import type { Service, Version, Volume } from '../../model/service';
import type { EmitContext } from '../target';

/** Weft's scratch volume: the root filesystem is read-only by default, and runtimes write to /tmp. */
export const TMP_VOLUME = 'tmp';
/** The volume of the service's config files. */
export const CONFIG_VOLUME = 'config';
const TMP_PATH = '/tmp';

/**
 * The version's declared volumes as Kubernetes volume specs, and its mounts into the
 * application container. A user volume may not take the name of one Weft or the mesh adds to
 * the pod (WEFT692): the pod would have two volumes of one name. A user mount at `/tmp`
 * replaces Weft's scratch emptyDir (to size it, or put it in memory).
 * @see https://kubernetes.io/docs/concepts/storage/volumes/
 */
export function userVolumes(ctx: EmitContext, service: Service, version: Version, reserved: readonly string[]): { volumes: Record<string, unknown>[]; mounts: Record<string, unknown>[]; ownsTmp: boolean } {
  const volumes: Record<string, unknown>[] = [];
  for (const v of version.volumes ?? []) {
    if (reserved.includes(v.name)) {
      ctx.report(
        'WEFT692',
        version,
        `volume "${v.name}" of version "${version.name}" of service "${service.name}" has the name of a volume ${v.name === TMP_VOLUME || v.name === CONFIG_VOLUME ? 'Weft' : 'the mesh'} adds to the pod`,
        `rename the volume; ${reserved.map((r) => `"${r}"`).join(', ')} are taken`,
      );
      continue;
    }
    volumes.push(toKubernetes(v));
  }
  const mounts = (version.mounts ?? []).map((m) => ({
    mountPath: m.mountPath,
    name: m.volume,
    ...(m.readOnly ? { readOnly: true } : {}),
    ...(m.subPath !== undefined ? { subPath: m.subPath } : {}),
  }));
  const ownsTmp = (version.mounts ?? []).some((m) => m.mountPath.replace(/\/+$/, '') === TMP_PATH);
  return { volumes, mounts, ownsTmp };
}

/** A model volume in Kubernetes's shape; `items` as `{ key, path }` sorted by key. */
function toKubernetes(v: Volume): Record<string, unknown> {
  const items = (record: Readonly<Record<string, string>> | undefined) =>
    record ? { items: Object.keys(record).sort().map((key) => ({ key, path: record[key]! })) } : {};
  switch (v.type) {
    case 'emptyDir':
      return { emptyDir: { ...(v.medium ? { medium: v.medium } : {}), ...(v.sizeLimit ? { sizeLimit: v.sizeLimit } : {}) }, name: v.name };
    case 'secret':
      return { name: v.name, secret: { ...(v.defaultMode !== undefined ? { defaultMode: v.defaultMode } : {}), ...items(v.items), ...(v.optional !== undefined ? { optional: v.optional } : {}), secretName: v.secretName } };
    case 'configMap':
      return { configMap: { ...(v.defaultMode !== undefined ? { defaultMode: v.defaultMode } : {}), ...items(v.items), name: v.configMap, ...(v.optional !== undefined ? { optional: v.optional } : {}) }, name: v.name };
    case 'persistentVolumeClaim':
      return { name: v.name, persistentVolumeClaim: { claimName: v.claimName, ...(v.readOnly !== undefined ? { readOnly: v.readOnly } : {}) } };
  }
}
