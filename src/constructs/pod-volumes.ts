import type { SecurityContext, Volume, VolumeMount } from '../model/service';
import { DEFAULTS } from './props/defaults';
import type { ParsedServiceProps } from './props/service';

type VersionProps = ParsedServiceProps['versions'][string];
type VolumeProps = NonNullable<ParsedServiceProps['volumes']>[string];

/** A mount that names no declared volume, or shares its path with another mount. */
export interface MountProblem {
  code: 'WEFT040' | 'WEFT041';
  message: string;
  hint: string;
  /** The prop path of the offending field, for the diagnostic's location. */
  field: (string | number)[];
}

/**
 * Weft's hardened defaults for the application container: the kubelet refuses to start it as
 * root, and its root filesystem is read-only (writes go to volumes; Weft mounts an emptyDir at
 * `/tmp`). Overridable per service and per version.
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 */
export const SECURITY_CONTEXT_DEFAULTS = DEFAULTS.securityContext;

/** Defaults, then the service's overrides, then the version's, field by field. */
export function resolveSecurityContext(service: ParsedServiceProps, version: VersionProps): SecurityContext {
  const merged: SecurityContext = { ...SECURITY_CONTEXT_DEFAULTS };
  for (const layer of [service.securityContext, version.securityContext])
    for (const [k, v] of Object.entries(layer ?? {})) if (v !== undefined) (merged as Record<string, unknown>)[k] = v;
  return merged;
}

/** The version's volumes: the service's, with the version's added or replacing those of their name; sorted by name. */
export function resolveVolumes(service: ParsedServiceProps, version: VersionProps): Volume[] {
  const byName = new Map<string, VolumeProps>(Object.entries(service.volumes ?? {}));
  for (const [name, v] of Object.entries(version.volumes ?? {})) byName.set(name, v);
  return [...byName.keys()].sort().map((name) => toVolume(name, byName.get(name)!));
}

/** The version's mounts: the service's, then the version's, in declaration order. */
export function resolveMounts(service: ParsedServiceProps, version: VersionProps): VolumeMount[] {
  return [...(service.mounts ?? []), ...(version.mounts ?? [])].map((m) => ({
    volume: m.volume,
    mountPath: m.mountPath,
    readOnly: m.readOnly,
    ...(m.subPath !== undefined ? { subPath: m.subPath } : {}),
  }));
}

/**
 * Mounts the API server would refuse, each found once: a mount of a volume that neither the
 * service nor the version declares (WEFT040), and two mounts at one path in one container,
 * including the service's `configMountPath` (WEFT041).
 * @see https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#volumes-1 (mountPath "must not contain ':'", unique per container)
 */
export function mountProblems(service: ParsedServiceProps, configMountPath: string | undefined): MountProblem[] {
  const problems: MountProblem[] = [];
  const serviceVolumes = new Set(Object.keys(service.volumes ?? {}));
  const serviceMounts = (service.mounts ?? []).map((m, i) => ({ m, field: ['mounts', i] as (string | number)[] }));
  // The service's own mounts must find their volume in every version: a service-level volume.
  for (const { m, field } of serviceMounts) {
    const missingIn = serviceVolumes.has(m.volume) ? [] : Object.keys(service.versions).filter((v) => !(service.versions[v]!.volumes ?? {})[m.volume]);
    if (missingIn.length > 0)
      problems.push({
        code: 'WEFT040',
        message: `mount at "${m.mountPath}" refers to volume "${m.volume}", which the service does not declare${missingIn.length < Object.keys(service.versions).length ? ` (missing in version${missingIn.length > 1 ? 's' : ''} ${missingIn.map((v) => `"${v}"`).join(', ')})` : ''}`,
        hint: `declare "${m.volume}" in \`volumes\`${serviceVolumes.size ? `, or mount one of ${[...serviceVolumes].map((v) => `"${v}"`).join(', ')}` : ''}`,
        field: [...field, 'volume'],
      });
  }
  for (const [versionName, version] of Object.entries(service.versions)) {
    const declared = new Set([...serviceVolumes, ...Object.keys(version.volumes ?? {})]);
    const own = (version.mounts ?? []).map((m, i) => ({ m, field: ['versions', versionName, 'mounts', i] as (string | number)[] }));
    for (const { m, field } of own)
      if (!declared.has(m.volume))
        problems.push({
          code: 'WEFT040',
          message: `version "${versionName}" mounts volume "${m.volume}" at "${m.mountPath}", which neither the version nor the service declares`,
          hint: `declare "${m.volume}" in the version's or the service's \`volumes\``,
          field: [...field, 'volume'],
        });
    const seen = new Map<string, string>();
    if (configMountPath !== undefined) seen.set(normalize(configMountPath), 'the service\'s config files (`configMountPath`)');
    for (const { m, field } of [...serviceMounts, ...own]) {
      const path = normalize(m.mountPath);
      const earlier = seen.get(path);
      if (earlier !== undefined) {
        // A service-level clash is reported once, not once per version.
        if (field[0] === 'mounts' && problems.some((p) => p.code === 'WEFT041' && p.field.join('.') === [...field, 'mountPath'].join('.'))) continue;
        problems.push({
          code: 'WEFT041',
          message: `${field[0] === 'versions' ? `version "${versionName}": ` : ''}two mounts at "${m.mountPath}": volume "${m.volume}" and ${earlier}; a container mounts one volume per path`,
          hint: 'mount one of them elsewhere, or use `subPath` to mount single files into one folder from two volumes',
          field: [...field, 'mountPath'],
        });
        continue;
      }
      seen.set(path, `volume "${m.volume}"`);
    }
  }
  return problems;
}

/** `/a/b/` and `/a//b` are the same path to the container runtime. */
function normalize(path: string): string {
  return path.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
}

function toVolume(name: string, v: VolumeProps): Volume {
  if ('emptyDir' in v) return { name, type: 'emptyDir', ...defined({ medium: v.emptyDir.medium, sizeLimit: v.emptyDir.sizeLimit }) };
  if ('secret' in v) return { name, type: 'secret', secretName: v.secret.secretName, ...defined({ items: v.secret.items, optional: v.secret.optional, defaultMode: v.secret.defaultMode }) };
  if ('configMap' in v) return { name, type: 'configMap', configMap: v.configMap.name, ...defined({ items: v.configMap.items, optional: v.configMap.optional, defaultMode: v.configMap.defaultMode }) };
  return { name, type: 'persistentVolumeClaim', claimName: v.persistentVolumeClaim.claimName, ...defined({ readOnly: v.persistentVolumeClaim.readOnly }) };
}

/** The fields that are set: the model never carries `undefined` keys. */
function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
