import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiObject } from 'cdk8s';
import { Mesh } from '../../../src/index';
import { E2E_TIMEOUT_MS, repoRoot, scratchDir, weft } from '../../e2e/helpers';
import { schemaCheck } from '../../../src/synth/schema-check';
import type { Manifest } from '../../../src/targets/target';
import { emitFor, get } from './helpers';

type Container = { name: string; securityContext?: Record<string, unknown>; volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }> };
type PodSpec = { containers: Container[]; securityContext?: Record<string, unknown>; volumes: Array<Record<string, unknown> & { name: string }> };

const scratch = scratchDir();
afterAll(() => scratch.cleanup());

const podSpec = (d: Manifest) => get(d, 'spec.template.spec') as PodSpec;

/**
 * What the kubelet checks before it starts a container, and what the container can then write.
 * - `runAsNonRoot`: the effective user (container's, else pod's, else the image's USER) must
 *   not be 0, or the container fails with CreateContainerConfigError.
 * - `readOnlyRootFilesystem`: only mounted volumes are writable.
 * @see https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#security-context-1
 * @see https://github.com/kubernetes/kubernetes/blob/master/pkg/kubelet/kuberuntime/security_context_others.go (verifyRunAsNonRoot)
 */
function startProblems(pod: PodSpec, container: Container, image: { user: number; writes: string[] }): string[] {
  const sc = container.securityContext ?? {};
  const psc = pod.securityContext ?? {};
  const nonRoot = (sc.runAsNonRoot ?? psc.runAsNonRoot) === true;
  const uid = (sc.runAsUser ?? psc.runAsUser ?? image.user) as number;
  const problems: string[] = [];
  if (nonRoot && uid === 0) problems.push('CreateContainerConfigError: container has runAsNonRoot and image will run as root');
  if (sc.readOnlyRootFilesystem === true) {
    const mounted = (container.volumeMounts ?? []).filter((m) => !m.readOnly).map((m) => m.mountPath);
    for (const path of image.writes) if (!mounted.some((m) => path === m || path.startsWith(`${m}/`))) problems.push(`read-only file system: ${path}`);
  }
  return problems;
}

/** The official postgres image: no USER (root; its entrypoint drops to uid 999 only when started as root), writes PGDATA and its socket folder. */
const POSTGRES = { user: 0, writes: ['/var/lib/postgresql/data', '/var/run/postgresql'] };

function postgresMesh(overrides: boolean): Mesh {
  const mesh = new Mesh('shop', { environments: { prod: { mesh: 'istio' } } });
  mesh.team('data').service('db', {
    port: 5432,
    protocol: 'tcp',
    ...(overrides
      ? {
          // The postgres image's own user and group (999); fsGroup makes the claim writable for it.
          securityContext: { runAsUser: 999, runAsGroup: 999, fsGroup: 999 },
          volumes: { data: { persistentVolumeClaim: { claimName: 'db-data' } }, socket: { emptyDir: { medium: 'Memory' } } },
          mounts: [
            { volume: 'data', mountPath: '/var/lib/postgresql/data' },
            { volume: 'socket', mountPath: '/var/run/postgresql' },
          ],
        }
      : {}),
    versions: { v16: { image: 'postgres:16.4' } },
  });
  return mesh;
}

describe('kubernetes target: security context', () => {
  it('hardens every application container and pod by default', async () => {
    const { find } = await emitFor(postgresMesh(false), 'prod');
    const pod = podSpec(find('Deployment', 'db-v16'));
    expect(pod.containers[0]!.securityContext).toEqual({ allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true });
    expect(pod.securityContext).toEqual({ fsGroupChangePolicy: 'Always', runAsNonRoot: true });
  });

  it('a postgres declared without overrides cannot start; with its user, fsGroup and volumes it can', async () => {
    const hardened = podSpec((await emitFor(postgresMesh(false), 'prod')).find('Deployment', 'db-v16'));
    expect(startProblems(hardened, hardened.containers[0]!, POSTGRES)).toContain('CreateContainerConfigError: container has runAsNonRoot and image will run as root');

    const { find, manifests, diagnostics } = await emitFor(postgresMesh(true), 'prod');
    expect(diagnostics).toEqual([]);
    const d = find('Deployment', 'db-v16');
    const pod = podSpec(d);
    const app = pod.containers[0]!;
    expect(startProblems(pod, app, POSTGRES)).toEqual([]);
    expect(app.securityContext).toEqual({ allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, runAsGroup: 999, runAsNonRoot: true, runAsUser: 999 });
    expect(pod.securityContext).toEqual({ fsGroup: 999, fsGroupChangePolicy: 'Always', runAsNonRoot: true });
    expect(pod.volumes).toEqual([
      { emptyDir: {}, name: 'tmp' },
      { name: 'data', persistentVolumeClaim: { claimName: 'db-data' } },
      { emptyDir: { medium: 'Memory' }, name: 'socket' },
    ]);
    expect(schemaCheck(manifests, 'prod').diagnostics).toEqual([]);
  });

  it('a version overrides the service field by field; writable root and root on purpose are expressible', async () => {
    const mesh = new Mesh('shop', { environments: { prod: { mesh: 'istio' } } });
    mesh.team('t').service('legacy', {
      port: 80,
      securityContext: { runAsUser: 1000, fsGroup: 2000 },
      versions: {
        v1: { image: 'example/legacy:1' },
        v2: { image: 'example/legacy:2', securityContext: { readOnlyRootFilesystem: false, runAsUser: 0, runAsNonRoot: false } },
      },
    });
    const { find, diagnostics } = await emitFor(mesh, 'prod');
    expect(diagnostics).toEqual([]);
    expect(podSpec(find('Deployment', 'legacy-v1')).containers[0]!.securityContext).toMatchObject({ runAsUser: 1000, readOnlyRootFilesystem: true, runAsNonRoot: true });
    const v2 = podSpec(find('Deployment', 'legacy-v2'));
    expect(v2.containers[0]!.securityContext).toEqual({ allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: false, runAsNonRoot: false, runAsUser: 0 });
    expect(v2.securityContext).toMatchObject({ fsGroup: 2000 });
    expect(startProblems(v2, v2.containers[0]!, { user: 0, writes: ['/var/cache/app'] })).toEqual([]);
  });

  it('reports runAsUser 0 under runAsNonRoot (WEFT691), which the kubelet would refuse', async () => {
    const mesh = new Mesh('shop', { environments: { prod: { mesh: 'istio' } } });
    mesh.team('t').service('s', { port: 80, securityContext: { runAsUser: 0 }, versions: { v1: { image: 'example/s:1' } } });
    const { diagnostics } = await emitFor(mesh, 'prod');
    expect(diagnostics.map((d) => d.code)).toEqual(['WEFT691']);
    expect(diagnostics[0]!.location?.line).toBeGreaterThan(0);
  });
});

describe('kubernetes target: volumes and mounts', () => {
  it('writes emptyDir, Secret, ConfigMap and PVC volumes and the mounts, in a fixed order', async () => {
    const mesh = new Mesh('shop', { environments: { prod: { mesh: 'istio' } } });
    mesh.team('t').service('api', {
      port: 8080,
      config: { 'app.json': { a: 1 } },
      volumes: {
        certs: { secret: { secretName: 'api-tls', items: { 'tls.key': 'key.pem', 'tls.crt': 'cert.pem' }, defaultMode: 0o400 } },
        flags: { configMap: { name: 'feature-flags', optional: true } },
      },
      mounts: [
        { volume: 'certs', mountPath: '/etc/tls', readOnly: true },
        { volume: 'flags', mountPath: '/etc/flags/flags.json', subPath: 'flags.json' },
      ],
      versions: {
        v1: {
          image: 'example/api:1',
          volumes: { cache: { emptyDir: { sizeLimit: '256Mi' } }, state: { persistentVolumeClaim: { claimName: 'api-state', readOnly: true } } },
          mounts: [
            { volume: 'cache', mountPath: '/var/cache/api' },
            { volume: 'state', mountPath: '/var/lib/api', readOnly: true },
          ],
        },
      },
    });
    const { find, manifests, diagnostics } = await emitFor(mesh, 'prod');
    expect(diagnostics).toEqual([]);
    const pod = podSpec(find('Deployment', 'api-v1'));
    expect(pod.volumes.map((v) => v.name)).toEqual(['tmp', 'config', 'cache', 'certs', 'flags', 'state']);
    expect(pod.volumes).toContainEqual({ name: 'certs', secret: { defaultMode: 0o400, items: [{ key: 'tls.crt', path: 'cert.pem' }, { key: 'tls.key', path: 'key.pem' }], secretName: 'api-tls' } });
    expect(pod.volumes).toContainEqual({ configMap: { name: 'feature-flags', optional: true }, name: 'flags' });
    expect(pod.volumes).toContainEqual({ emptyDir: { sizeLimit: '256Mi' }, name: 'cache' });
    expect(pod.volumes).toContainEqual({ name: 'state', persistentVolumeClaim: { claimName: 'api-state', readOnly: true } });
    expect(pod.containers[0]!.volumeMounts).toEqual([
      { mountPath: '/tmp', name: 'tmp' },
      { mountPath: '/etc/api', name: 'config', readOnly: true },
      { mountPath: '/etc/tls', name: 'certs', readOnly: true },
      { mountPath: '/etc/flags/flags.json', name: 'flags', subPath: 'flags.json' },
      { mountPath: '/var/cache/api', name: 'cache' },
      { mountPath: '/var/lib/api', name: 'state', readOnly: true },
    ]);
    expect(schemaCheck(manifests, 'prod').diagnostics).toEqual([]);
  });

  it('a mount at /tmp replaces Weft\'s scratch volume', async () => {
    const mesh = new Mesh('shop', { environments: { prod: { mesh: 'istio' } } });
    mesh.team('t').service('s', { port: 80, volumes: { scratch: { emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } } }, mounts: [{ volume: 'scratch', mountPath: '/tmp' }], versions: { v1: { image: 'example/s:1' } } });
    const pod = podSpec((await emitFor(mesh, 'prod')).find('Deployment', 's-v1'));
    expect(pod.volumes).toEqual([{ emptyDir: { medium: 'Memory', sizeLimit: '64Mi' }, name: 'scratch' }]);
    expect(pod.containers[0]!.volumeMounts).toEqual([{ mountPath: '/tmp', name: 'scratch' }]);
  });

  it('refuses a volume named like one Weft or the mesh adds (WEFT692)', async () => {
    const mesh = new Mesh('shop', { environments: { dev: { mesh: 'weft' } } });
    mesh.team('t').service('s', { port: 80, volumes: { config: { emptyDir: {} } }, mounts: [{ volume: 'config', mountPath: '/data' }], versions: { v1: { image: 'example/s:1' } } });
    const { diagnostics } = await emitFor(mesh, 'dev');
    expect(diagnostics.map((d) => d.code)).toEqual(['WEFT692']);
    expect(diagnostics[0]!.message).toContain('volume "config"');
  });

  // Runs the real CLI; the bound is against a hang, not a speed assertion (see e2e/helpers.ts).
  it('validates names, paths and references with coded diagnostics at the offending field', { timeout: E2E_TIMEOUT_MS }, async () => {
    // Through the CLI, as users run it: tsx's source maps give the exact call column, from which
    // the field is found (src/synth/field-location.ts).
    const config = join(repoRoot, 'test/fixtures/volumes/mesh.config.ts');
    const out = join(scratch.dir, 'dist');
    const run = weft(['synth', '--config', config, '--out', out, '--json']);
    expect(run.status).toBe(1);
    expect(existsSync(out)).toBe(false);
    const diagnostics: Array<{ code: string; hint: string; location: { line: number } }> = JSON.parse(run.stdout).diagnostics;
    const at = diagnostics.map((d) => [d.code, d.location.line]);
    expect(at).toEqual([
      ['WEFT040', 13], // service mount of the undeclared "socket"
      ['WEFT041', 18], // the version's mount at the data path
    ]);
    expect(diagnostics[0]!.hint).toContain('declare "socket"');

    const mesh = new Mesh('shop', { environments: { prod: { mesh: 'istio' } } });
    mesh.team('t').service('s', {
      port: 80,
      volumes: { Bad_Name: { emptyDir: {} }, ok: { secret: { secretName: 'Not/A/Name' } } },
      mounts: [{ volume: 'ok', mountPath: 'relative/path', subPath: '../escape' }],
      versions: { v1: { image: 'example/s:1' } },
    });
    const invalid = mesh.toModel().diagnostics.map((d) => `${d.code} ${d.field?.join('.')}`);
    expect(invalid).toEqual(expect.arrayContaining(['WEFT001 volumes.Bad_Name', 'WEFT001 volumes.ok.secret.secretName', 'WEFT001 mounts.0.mountPath', 'WEFT001 mounts.0.subPath']));
  });
});

describe('kubernetes target: config changes roll the pods', () => {
  const meshWith = (value: string) => {
    const mesh = new Mesh('shop', { environments: { prod: { mesh: 'istio' } } });
    mesh.team('t').service('s', { port: 80, config: { 'app.json': { mode: value } }, configValues: { LEVEL: 'info' }, versions: { v1: { image: 'example/s:1' }, v2: { image: 'example/s:2' } } });
    return mesh;
  };
  const checksum = async (mesh: Mesh, workload: string) => get((await emitFor(mesh, 'prod')).find('Deployment', workload), 'spec.template.metadata.annotations') as Record<string, string>;

  it('puts a SHA-256 of the ConfigMap data on every version\'s pod template: stable, and new when the config changes', async () => {
    const a = await checksum(meshWith('a'), 's-v1');
    expect(a['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
    expect((await checksum(meshWith('a'), 's-v1'))['checksum/config']).toBe(a['checksum/config']);
    expect((await checksum(meshWith('a'), 's-v2'))['checksum/config']).toBe(a['checksum/config']);
    expect((await checksum(meshWith('b'), 's-v1'))['checksum/config']).not.toBe(a['checksum/config']);
  });

  it('covers the ConfigMaps a version mounts that a team\'s escape-hatch chart declares, not ConfigMaps made elsewhere', async () => {
    const withFlags = (checkout: string | undefined) => {
      const mesh = new Mesh('shop', { environments: { prod: { mesh: 'istio' } } });
      const team = mesh.team('t');
      team.service('s', {
        port: 80,
        volumes: { flags: { configMap: { name: 'feature-flags' } }, external: { configMap: { name: 'made-elsewhere' } } },
        mounts: [{ volume: 'flags', mountPath: '/etc/flags' }, { volume: 'external', mountPath: '/etc/external' }],
        versions: { v1: { image: 'example/s:1' } },
      });
      if (checkout !== undefined) new ApiObject(team.chart, 'feature-flags', { apiVersion: 'v1', kind: 'ConfigMap', data: { checkout } });
      return mesh;
    };
    expect(await checksum(withFlags(undefined), 's-v1')).not.toHaveProperty('checksum/config');
    const on = (await checksum(withFlags('on'), 's-v1'))['checksum/config'];
    expect(on).toMatch(/^[0-9a-f]{64}$/);
    expect((await checksum(withFlags('on'), 's-v1'))['checksum/config']).toBe(on);
    expect((await checksum(withFlags('off'), 's-v1'))['checksum/config']).not.toBe(on);
  });

  it('writes no checksum for a service without config', async () => {
    expect(await checksum(postgresMesh(false), 'db-v16')).not.toHaveProperty('checksum/config');
  });
});

describe('kubernetes target: autoscaling beside a sidecar', () => {
  const autoscaled = (envMesh: 'istio' | 'weft' | 'consul') => {
    const mesh = new Mesh('shop', { environments: { e: { mesh: envMesh } } });
    mesh.team('t').service('s', {
      port: 80,
      autoscaling: { minReplicas: 1, maxReplicas: 4, targetCpuPercent: 60, targetMemoryPercent: 75 },
      versions: { v1: { image: 'example/s:1', resources: { requests: { cpu: '100m', memory: '64Mi' } } } },
    });
    return mesh;
  };

  for (const flavour of ['istio', 'consul', 'weft'] as const)
    it(`scales on the application container's own usage (ContainerResource) under ${flavour}`, async () => {
      const { find, manifests } = await emitFor(autoscaled(flavour), 'e');
      expect(get(find('HorizontalPodAutoscaler', 's-v1'), 'spec.metrics')).toEqual([
        { containerResource: { container: 's', name: 'cpu', target: { averageUtilization: 60, type: 'Utilization' } }, type: 'ContainerResource' },
        { containerResource: { container: 's', name: 'memory', target: { averageUtilization: 75, type: 'Utilization' } }, type: 'ContainerResource' },
      ]);
      expect(schemaCheck(manifests, 'e').diagnostics).toEqual([]);
    });

  it('keeps the pod-wide Resource metric when nothing runs beside the application', async () => {
    const { find } = await emitFor(autoscaled('istio'), 'e', () => ({}));
    expect(get(find('HorizontalPodAutoscaler', 's-v1'), 'spec.metrics.0')).toEqual({ resource: { name: 'cpu', target: { averageUtilization: 60, type: 'Utilization' } }, type: 'Resource' });
  });
});
