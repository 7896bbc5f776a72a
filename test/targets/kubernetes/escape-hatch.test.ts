import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { E2E_TIMEOUT_MS, repoRoot, scratchDir, weft } from '../../e2e/helpers';

// Runs the real CLI (mesh.config.ts in its child process, src/synth/isolate.ts); the bound is
// against a hang, not a speed assertion (see e2e/helpers.ts).
const scratch = scratchDir();
afterAll(() => scratch.cleanup());

const fixture = (name: string) => join(repoRoot, 'test/fixtures', name, 'mesh.config.ts');
const read = (dist: string, path: string) => parse(readFileSync(join(dist, path), 'utf8'), { version: '1.1' }) as Record<string, any>;

describe('escape hatches: cdk8s constructs in a team namespace, JSON patches on every object', () => {
  it('writes cdk8s constructs from team.chart with Weft\'s objects, patched, validated and byte-for-byte reproducible', { timeout: E2E_TIMEOUT_MS }, () => {
    const dist = join(scratch.dir, 'dist');
    const run = weft(['synth', '--config', fixture('escape-hatch'), '--out', dist]);
    expect(run.status, run.stderr).toBe(0);

    for (const env of ['dev', 'prod']) {
      // a cdk8s-plus-27 construct, named by its construct id (no hash), in the team's namespace
      const flags = read(dist, `${env}/kubernetes/storefront/configmap-feature-flags.yaml`);
      // …and in the make-before-break order of its kind (src/targets/sync-waves.ts: config, -2)
      expect(flags.metadata).toEqual({ name: 'feature-flags', namespace: 'storefront', annotations: { 'argocd.argoproj.io/sync-wave': '-2' } });
      // an ApiObject with its own cdk8s addJsonPatch applied
      expect(read(dist, `${env}/kubernetes/storefront/resourcequota-pods.yaml`).spec).toEqual({ hard: { pods: '20', services: '5' } });
      // a CRD kubernetes-models has no class for, as given
      expect(read(dist, `${env}/kubernetes/storefront/schedule-nightly.yaml`)).toMatchObject({ apiVersion: 'batch.example.com/v1', kind: 'Schedule', spec: { cron: '0 3 * * *' } });
      // a cluster-scoped kind loses the chart's namespace and goes under _cluster/
      const role = read(dist, `${env}/kubernetes/_cluster/clusterrole-pod-reader.yaml`);
      expect(role.metadata).toEqual({ name: 'pod-reader', annotations: { 'argocd.argoproj.io/sync-wave': '-2' } });
      // mesh.patch on Weft's own Deployment, in every environment
      expect(read(dist, `${env}/kubernetes/storefront/deployment-web-v1.yaml`).spec.template.spec.priorityClassName).toBe('high');
    }
    // a patch limited to one environment, with a passing `test` op
    expect(read(dist, 'dev/kubernetes/storefront/configmap-feature-flags.yaml').data).toEqual({ checkout: 'on' });
    expect(read(dist, 'prod/kubernetes/storefront/configmap-feature-flags.yaml').data).toEqual({ checkout: 'off' });
    // a patch of another target's object (the Istio VirtualService), "~1" escaping "/"
    expect(read(dist, 'prod/istio/storefront/virtualservice-web.yaml').metadata.annotations['example.com/owner']).toBe('storefront');

    // Deterministic: a second synth finds dist/ up to date.
    const again = weft(['synth', '--config', fixture('escape-hatch'), '--out', dist, '--check']);
    expect(again.status, again.stdout + again.stderr).toBe(0);
  });

  it('reports each escape-hatch mistake with its code at its line, and writes nothing', { timeout: E2E_TIMEOUT_MS }, () => {
    const dist = join(scratch.dir, 'mistakes');
    const run = weft(['synth', '--config', fixture('escape-hatch-mistakes'), '--out', dist, '--json']);
    expect(run.status).toBe(1);
    expect(existsSync(dist)).toBe(false);
    const diagnostics: Array<{ code: string; message: string; location: { line: number } }> = JSON.parse(run.stdout).diagnostics;
    expect(diagnostics.map((d) => [d.code, d.location.line])).toEqual([
      ['WEFT693', 11], // names another namespace
      ['WEFT694', 12], // fails its kubernetes-models schema
      ['WEFT044', 13], // cdk8s-plus cannot synthesize it (a Deployment without containers)
      ['WEFT695', 14], // takes the place of Weft's Service "web"
      ['WEFT044', 15], // a value JSON cannot hold (BigInt)
      ['WEFT042', 16], // the patch's path does not exist
      ['WEFT043', 17], // the patch selects no object
      ['WEFT001', 18], // not a JSON Pointer
      ['WEFT044', 19], // a name that would leave dist/ (names become file names)
      ['WEFT042', 20], // a patch that renames the object (and so its file)
    ]);
    expect(diagnostics.find((d) => d.code === 'WEFT042')!.message).toContain('/spec/template/spec/priorityClassName does not exist: no key "priorityClassName" in the object at /spec/template/spec');
  });
});
