import type { MeshModel } from '../../model/mesh';
import { commonLabels } from '../naming';
import { syncWave } from '../sync-waves';

/**
 * `metadata` of one object: its name and namespace from the model, Weft's common labels, and
 * the Argo CD sync wave that orders it at apply time.
 */
export function objectMeta(
  model: Pick<MeshModel, 'name'>,
  component: string,
  name: string,
  namespace: string | undefined,
  wave: number,
  extraLabels: Record<string, string> = {},
): { name: string; namespace?: string; labels: Record<string, string>; annotations: Record<string, string> } {
  return {
    name,
    ...(namespace === undefined ? {} : { namespace }),
    labels: { ...extraLabels, ...commonLabels(model, component) },
    annotations: syncWave(wave),
  };
}

/** Keys sorted, so that a record's output order never depends on declaration order. */
export function sortedRecord<V>(record: Readonly<Record<string, V>> | undefined): Record<string, V> {
  const out: Record<string, V> = {};
  for (const k of Object.keys(record ?? {}).sort()) out[k] = record![k]!;
  return out;
}
