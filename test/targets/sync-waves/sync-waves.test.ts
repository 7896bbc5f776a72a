import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Mesh } from '../../../src/index';
import { loadMeshConfig } from '../../../src/synth/load';
import { compileModel } from '../../../src/synth/compile';
import { SyncWave, syncPhaseOf, syncWaveOf, withSyncWave } from '../../../src/targets/sync-waves';
import type { Manifest } from '../../../src/targets/target';
import { manifestsOf } from '../argocd/helpers';

type Emitted = ReturnType<typeof manifestsOf>[number];

/** Every object Argo CD syncs (the argocd folder itself is excluded from the Application's source). */
function synced(files: Map<string, string>): Emitted[] {
  return manifestsOf(files)
    .map((e) => {
      // dist/verify/<env>/<target>/… is the same mesh with echo workloads, synced the same way.
      const parts = e.path.split('/');
      return parts[0] === 'verify' ? { ...e, env: `verify/${parts[1]}`, target: parts[2]! } : e;
    })
    .filter((e) => e.target !== 'argocd');
}

const wave = (m: Manifest) => syncWaveOf(m);
const isKind = (m: Manifest, kind: string, group?: string) => m.kind === kind && (group === undefined || m.apiVersion.startsWith(`${group}/`));

/**
 * The make-before-break order stated as relations between objects, independently of the phase
 * table: within an environment, each group's waves all lie below the next group's.
 */
const ORDER: Array<{ what: string; is: (m: Manifest) => boolean }> = [
  { what: 'namespaces', is: (m) => isKind(m, 'Namespace') },
  { what: 'config and identities', is: (m) => isKind(m, 'ServiceAccount') || (isKind(m, 'ConfigMap') && m.metadata.name !== undefined) || (isKind(m, 'Certificate') && (m.spec as { isCA?: boolean }).isCA !== true) },
  { what: 'workloads', is: (m) => isKind(m, 'Deployment') || isKind(m, 'HorizontalPodAutoscaler') },
  { what: 'subsets', is: (m) => isKind(m, 'DestinationRule') || isKind(m, 'ServiceResolver') || (isKind(m, 'Service', 'v1') || m.apiVersion === 'v1') && isKind(m, 'Service') && (m.spec as { selector?: Record<string, string> }).selector?.version !== undefined },
  { what: 'routes', is: (m) => isKind(m, 'VirtualService') || isKind(m, 'ServiceRouter') || isKind(m, 'ServiceSplitter') || isKind(m, 'HTTPRoute') },
  {
    what: 'tightening policies',
    is: (m) =>
      (isKind(m, 'AuthorizationPolicy') && ((m.spec as { action?: string }).action === 'DENY' || Object.keys(m.spec as object).length === 0)) ||
      (isKind(m, 'PeerAuthentication') && (m.spec as { mtls: { mode: string } }).mtls.mode === 'STRICT') ||
      (isKind(m, 'ServiceIntentions') && m.metadata.name === 'default-deny') ||
      (isKind(m, 'NetworkPolicy') && !(m.spec as { ingress?: unknown[] }).ingress),
  },
];

function checkOrder(objects: Emitted[]): string[] {
  const problems: string[] = [];
  for (const env of new Set(objects.map((o) => o.env))) {
    const inEnv = objects.filter((o) => o.env === env);
    for (let i = 0; i + 1 < ORDER.length; i++) {
      const before = inEnv.filter((o) => ORDER[i]!.is(o.manifest));
      const after = inEnv.filter((o) => ORDER.slice(i + 1).some((g) => g.is(o.manifest)));
      for (const b of before)
        for (const a of after)
          if (!(wave(b.manifest)! < wave(a.manifest)!)) problems.push(`${env}: ${b.path} (${ORDER[i]!.what}, wave ${wave(b.manifest)}) is not before ${a.path} (wave ${wave(a.manifest)})`);
    }
  }
  return problems;
}

function checkPhases(objects: Emitted[]): string[] {
  return objects
    .filter((o) => wave(o.manifest) !== SyncWave[syncPhaseOf(o.manifest)])
    .map((o) => `${o.path}: wave ${String(wave(o.manifest))}, expected ${syncPhaseOf(o.manifest)} (${SyncWave[syncPhaseOf(o.manifest)]})`);
}

describe('sync waves: the example mesh, every environment and target', () => {
  let objects: Emitted[];
  beforeAll(async () => {
    const loaded = await loadMeshConfig(resolve(__dirname, '../../../mesh.config.ts'));
    const built = loaded.mesh!.toModel();
    const result = compileModel(built.model!);
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    objects = synced(result.files);
  });

  it('covers every target that writes manifests', () => {
    expect(new Set(objects.map((o) => o.target))).toEqual(new Set(['kubernetes', 'istio', 'consul', 'weft', 'observability']));
  });

  it('gives every object the wave of its phase (src/targets/sync-waves.ts)', () => {
    expect(checkPhases(objects)).toEqual([]);
  });

  it('orders namespaces → config/identities → workloads → subsets → routes → tightening policies', () => {
    // Each group is present, so that the relations below are not vacuous.
    for (const g of ORDER) expect(objects.some((o) => g.is(o.manifest)), g.what).toBe(true);
    expect(checkOrder(objects)).toEqual([]);
  });

  it('puts Istio ALLOW rules before the allow-nothing baseline and the routes', () => {
    const prod = objects.filter((o) => o.env === 'prod');
    const allows = prod.filter((o) => isKind(o.manifest, 'AuthorizationPolicy') && (o.manifest.spec as { action?: string }).action === 'ALLOW');
    const baseline = prod.filter((o) => o.manifest.metadata.name === 'allow-nothing');
    expect(allows.length).toBeGreaterThan(0);
    expect(baseline.length).toBeGreaterThan(0);
    for (const a of allows) for (const b of baseline) expect(wave(a.manifest)!).toBeLessThan(wave(b.manifest)!);
  });

  it('puts the local rate limit EnvoyFilters with the tightening policies', () => {
    const limits = objects.filter((o) => isKind(o.manifest, 'EnvoyFilter') && o.path.includes('ratelimit'));
    expect(limits.length).toBeGreaterThan(0);
    for (const l of limits) expect(wave(l.manifest)).toBe(SyncWave.tightening);
  });
});

describe('sync waves: permissive meshes and workload-level STRICT', () => {
  it('writes PERMISSIVE with the config and a workload\'s STRICT last', () => {
    const mesh = new Mesh('waves', {
      environments: { prod: { mesh: 'istio' }, staging: { mesh: 'consul' } },
      security: { mtls: 'permissive', authorization: 'allow-all' },
    });
    const team = mesh.team('t', { namespace: 't' });
    team.service('a', { port: 8080, versions: { v1: { image: 'a:1' } }, security: { mtls: 'strict' } });
    team.service('b', { port: 8080, versions: { v1: { image: 'b:1' } } });
    const built = mesh.toModel();
    const result = compileModel(built.model!);
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const objects = synced(result.files);
    expect(checkPhases(objects)).toEqual([]);
    const modes = objects
      .filter((o) => o.env === 'prod' && isKind(o.manifest, 'PeerAuthentication'))
      .map((o) => `${o.manifest.metadata.name} ${(o.manifest.spec as { mtls: { mode: string } }).mtls.mode} ${wave(o.manifest)}`)
      .sort();
    expect([...new Set(modes)]).toEqual([`a STRICT ${SyncWave.tightening}`, `default PERMISSIVE ${SyncWave.foundation}`]);
    // A permissive Consul mesh must allow permissive mTLS before the ServiceDefaults use it.
    const meshEntry = objects.find((o) => o.env === 'staging' && isKind(o.manifest, 'Mesh'))!;
    expect(wave(meshEntry.manifest)).toBe(SyncWave.foundation);
  });
});

describe('sync waves: the phase of an unknown kind', () => {
  it('is a Weft bug, reported with the place to fix it', () => {
    expect(() => syncPhaseOf({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } })).toThrow(/src\/targets\/sync-waves\.ts/);
  });
});

describe('sync waves: objects a team adds through the escape hatch', () => {
  const quota = { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q', namespace: 't' }, spec: {} };
  it('get the wave of their kind\'s phase', () => {
    expect(syncWaveOf(withSyncWave(quota))).toBe(SyncWave.foundation);
    expect(syncWaveOf(withSyncWave({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'p' } }))).toBe(SyncWave.foundation);
  });
  it('keep a wave the user wrote, and a kind Weft does not know keeps Argo CD\'s default', () => {
    const own = { ...quota, metadata: { ...quota.metadata, annotations: { 'argocd.argoproj.io/sync-wave': '7' } } };
    expect(syncWaveOf(withSyncWave(own))).toBe(7);
    expect(syncWaveOf(withSyncWave({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }))).toBeUndefined();
  });
});
