import { describe, expect, it } from 'vitest';
import { Mesh } from '../../../src/index';
import { syncWaveOf } from '../../../src/targets/sync-waves';
import type { Manifest } from '../../../src/targets/target';
import { emit } from './helpers';

/**
 * Issue 8 §2: removing (and adding) a version is make-before-break. Two successive syntheses are
 * applied the way Argo CD applies them — wave by wave, lowest first, objects of one wave in any
 * order, and with the Application's `PruneLast=true` the objects that left dist/ deleted after
 * the last wave — and after every single step no VirtualService may route (or mirror) to a subset
 * that no live DestinationRule defines (Envoy: 503 NR).
 * @see https://argo-cd.readthedocs.io/en/stable/user-guide/sync-waves/
 */

type Obj = Manifest & { spec: any };
const keyOf = (m: Manifest) => `${m.kind}/${m.metadata.namespace}/${m.metadata.name}`;

function shop(versions: 'v1+v2' | 'v2'): Manifest[] {
  const mesh = new Mesh('m', { environments: { prod: { mesh: 'istio' } } });
  const t = mesh.team('a');
  const api = t.service('api', { port: 8080, versions: versions === 'v2' ? { v2: { image: 'x/api:2' } } : { v1: { image: 'x/api:1' }, v2: { image: 'x/api:2' } } });
  if (versions === 'v2') api.route('all', { to: api.version('v2') });
  else {
    api.route('jason', { match: { headers: { 'end-user': { exact: 'jason' } } }, to: api.version('v1'), mirror: { to: api.version('v2'), percent: 10 } });
    api.route('canary', { to: [api.version('v1').weight(20), api.version('v2').weight(80)] });
  }
  return emit(mesh).manifests;
}

/** Subsets the live VirtualServices send to that no live DestinationRule defines. */
function missingSubsets(live: ReadonlyMap<string, Obj>): string[] {
  const defined = new Set<string>();
  for (const m of live.values()) if (m.kind === 'DestinationRule') for (const s of m.spec.subsets ?? []) defined.add(`${m.spec.host}|${s.name}`);
  const out: string[] = [];
  for (const m of live.values()) {
    if (m.kind !== 'VirtualService') continue;
    for (const r of m.spec.http ?? []) {
      const targets = [...(r.route ?? []).map((x: any) => x.destination), ...(r.mirror ? [r.mirror] : [])];
      for (const d of targets) if (d.subset && !defined.has(`${d.host}|${d.subset}`)) out.push(`${m.metadata.name} → ${d.host}/${d.subset}`);
    }
  }
  return out;
}

/** Applies `next` over `previous` as Argo CD does, in the given in-wave order, checking after every step. */
function sync(previous: Manifest[], next: Manifest[], inWave: 'forward' | 'reverse'): string[] {
  const live = new Map(previous.map((m) => [keyOf(m), m as Obj]));
  const problems: string[] = [];
  const check = (step: string) => problems.push(...missingSubsets(live).map((p) => `${step}: ${p}`));
  const waves = [...new Set(next.map((m) => syncWaveOf(m) ?? 0))].sort((a, b) => a - b);
  for (const wave of waves) {
    const objects = next.filter((m) => (syncWaveOf(m) ?? 0) === wave);
    if (inWave === 'reverse') objects.reverse();
    for (const m of objects) {
      live.set(keyOf(m), m as Obj);
      check(`apply ${keyOf(m)} (wave ${wave})`);
    }
  }
  const wanted = new Set(next.map(keyOf));
  const pruned = previous.filter((m) => !wanted.has(keyOf(m))).sort((a, b) => (syncWaveOf(b) ?? 0) - (syncWaveOf(a) ?? 0));
  for (const m of pruned) {
    live.delete(keyOf(m));
    check(`prune ${keyOf(m)}`);
  }
  return problems;
}

describe('versions come and go make-before-break (two successive syntheses, applied as Argo CD does)', () => {
  const both = shop('v1+v2');
  const onlyV2 = shop('v2');

  it('removing a version never routes to its subset before the route stops using it', () => {
    expect(missingSubsets(new Map(both.map((m) => [keyOf(m), m as Obj])))).toEqual([]);
    expect(sync(both, onlyV2, 'forward')).toEqual([]);
    expect(sync(both, onlyV2, 'reverse')).toEqual([]);
  });

  it('adding a version defines its subset before any route uses it', () => {
    expect(sync(onlyV2, both, 'forward')).toEqual([]);
    expect(sync(onlyV2, both, 'reverse')).toEqual([]);
  });

  it('removing a version is a deletion of its own DestinationRule (pruned last), not an update of a shared one', () => {
    const removed = new Set(both.map(keyOf).filter((k) => !onlyV2.map(keyOf).includes(k)));
    expect([...removed]).toEqual(['DestinationRule/a/api.v1']);
    const service = onlyV2.find((m) => keyOf(m) === 'DestinationRule/a/api') as Obj;
    expect(service.spec).not.toHaveProperty('subsets');
    expect(service.spec.trafficPolicy.tls).toEqual({ mode: 'ISTIO_MUTUAL' });
  });
});
