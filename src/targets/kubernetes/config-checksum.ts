import { createHash } from 'node:crypto';
import type { Service, Version } from '../../model/service';
import type { EmitContext } from '../target';
import type { ConfigMapRef } from './config-map';

/** The pod template annotation that carries it. */
export const CONFIG_CHECKSUM_ANNOTATION = 'checksum/config';

/**
 * SHA-256 (hex) of the configuration a version's pods read, for the pod template's
 * `checksum/config`: a change of it is a new pod template, so the Deployment rolls out. A
 * ConfigMap mounted as files is updated in place eventually, but values read as environment
 * variables, and files an application reads only at start, are not.
 *
 * It covers the service's own ConfigMap (`config`, `configValues`) and the ConfigMaps the
 * version mounts as volumes that the mesh itself declares (a team's escape-hatch chart, in
 * the service's namespace); a ConfigMap made elsewhere is not Weft's to read. The input is
 * stable JSON of `{ <ConfigMap name>: { data, binaryData } }`, so the same config always gives
 * the same checksum. Undefined when the pods read no such ConfigMap.
 * @see https://helm.sh/docs/howto/charts_tips_and_tricks/#automatically-roll-deployments
 */
export function configChecksum(ctx: EmitContext, service: Service, version: Version, own: ConfigMapRef | undefined): string | undefined {
  const read: Record<string, unknown> = {};
  if (own) read[own.name] = { data: own.data };
  const mounted = new Set((version.volumes ?? []).flatMap((v) => (v.type === 'configMap' ? [v.configMap] : [])));
  if (mounted.size > 0)
    for (const team of ctx.model.teams) {
      if (team.namespace !== service.namespace) continue;
      for (const { manifest } of team.objects ?? []) {
        const meta = manifest.metadata as { name?: string; namespace?: string } | undefined;
        if (manifest.kind !== 'ConfigMap' || manifest.apiVersion !== 'v1' || !meta?.name || !mounted.has(meta.name)) continue;
        read[meta.name] = { binaryData: manifest.binaryData ?? {}, data: manifest.data ?? {} };
      }
    }
  if (Object.keys(read).length === 0) return undefined;
  return createHash('sha256').update(ctx.json(read)).digest('hex');
}
