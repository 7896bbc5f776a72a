import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { AppProject, Application, ApplicationSet } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1';
import { Mesh } from '../../../src/index';
import { codeRegistry } from '../../../src/synth/registry';
import { isSchemaChecked, schemaCheck } from '../../../src/synth/schema-check';
import { TARGETS } from '../../../src/targets/index';
import { argocdTarget } from '../../../src/targets/argocd/index';
import { ARGOCD_CODES } from '../../../src/targets/argocd/codes';
import { namespacedKinds } from '../../../src/targets/argocd/kinds';
import type { MeshFlavour } from '../../../src/model/mesh';
import type { Manifest } from '../../../src/targets/target';
import { argocdFiles, compile } from './helpers';

const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), 'golden');
const REPO = 'https://git.example.com/platform/shop.git';

/** Set WEFT_UPDATE_GOLDEN=1 to rewrite the golden files; read the diff before committing. */
function expectGolden(name: string, files: Map<string, string>): void {
  const text = [...files].map(([path, content]) => `# ── ${path}\n${content}`).join('');
  const file = join(GOLDEN, name);
  if (process.env.WEFT_UPDATE_GOLDEN === '1' || !existsSync(file)) {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, text);
  }
  expect(text).toBe(readFileSync(file, 'utf8'));
}

function shop(gitops: Record<string, unknown> | undefined, environments: Record<string, unknown>) {
  const m = new Mesh('shop', { environments, gitops } as never);
  const t = m.team('storefront');
  const data = t.service('data', { port: 8080, versions: { v1: { image: 'x/data:1' } } });
  const app = t.service('app', {
    port: 8080,
    versions: { v1: { image: 'x/app:1' }, v2: { image: 'x/app:2' } },
    calls: [data],
    autoscaling: { minReplicas: 2, maxReplicas: 4, targetCpuPercent: 70 },
  });
  app.route('canary', { to: [app.version('v1').weight(90), app.version('v2').weight(10)] });
  m.gateway('public', { hosts: ['shop.example.com'] }).route('all', { to: app });
  return m;
}

const errors = (r: { diagnostics: { code: string; severity: string; message: string }[] }) => r.diagnostics.filter((d) => d.severity === 'error');

describe('argocd target', () => {
  it('is registered with its codes in WEFT760–WEFT779, and runs only for environments that ask for Argo CD', () => {
    expect(TARGETS).toContain(argocdTarget);
    const all = codeRegistry().entries();
    for (const [code, info] of Object.entries(ARGOCD_CODES)) {
      expect(all.get(code)).toEqual(info);
      expect(Number(code.slice(4))).toBeGreaterThanOrEqual(760);
      expect(Number(code.slice(4))).toBeLessThanOrEqual(779);
    }
    expect(argocdTarget.appliesTo({ mesh: 'istio' } as never)).toBe(false);
    expect(argocdTarget.appliesTo({ mesh: 'istio', gitops: {} } as never)).toBe(true);
  });

  it('writes one AppProject and one Application per environment (golden), valid against the Argo CD CRD schemas', () => {
    const r = compile(shop({ repoUrl: REPO, targetRevision: 'main' }, { dev: { mesh: 'istio' }, staging: { mesh: 'istio', gitops: true }, prod: { mesh: 'istio', gitops: { destinationServer: 'https://prod.k8s.example.com:6443' } } }));
    expect(errors(r)).toEqual([]);
    const files = argocdFiles(r.files);
    expect([...files.keys()]).toEqual([
      'prod/argocd/argocd/application-shop-prod.yaml',
      'prod/argocd/argocd/appproject-shop-prod.yaml',
      'staging/argocd/argocd/application-shop-staging.yaml',
      'staging/argocd/argocd/appproject-shop-staging.yaml',
    ]);
    expectGolden('applications.yaml', files);
    const objects = [...files.values()].map((t) => parse(t) as Manifest);
    // The documented way to validate a kubernetes-models object: it throws on any violation.
    for (const o of objects) {
      const Cls = { AppProject, Application, ApplicationSet }[o.kind as 'AppProject']!;
      expect(() => new Cls(o as never).validate()).not.toThrow();
      expect(isSchemaChecked(o.apiVersion, o.kind)).toBe(true);
    }
    expect(schemaCheck(objects, 'prod')).toEqual({ diagnostics: [], unchecked: [] });
  });

  it('points the Application at dist/<env>, *.yaml only, without the argocd/ folder, with automated prune, self-heal and retry', () => {
    const r = compile(shop({ repoUrl: REPO, targetRevision: 'v1.2.0', distPath: 'deploy/dist/' }, { prod: { mesh: 'istio', gitops: true } }));
    const app = parse(r.files.get('prod/argocd/argocd/application-shop-prod.yaml')!);
    expect(app.spec.source).toEqual({ repoURL: REPO, targetRevision: 'v1.2.0', path: 'deploy/dist/prod', directory: { recurse: true, include: '*.yaml', exclude: 'argocd/*' } });
    expect(app.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    expect(app.spec.syncPolicy.syncOptions).toEqual(expect.arrayContaining(['CreateNamespace=true', 'ServerSideApply=true', 'RespectIgnoreDifferences=true']));
    expect(app.spec.syncPolicy.retry).toEqual({ limit: 5, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } });
    expect(app.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'storefront' });
    // The HPA owns replicas of every autoscaled version's Deployment.
    expect(app.spec.ignoreDifferences).toEqual([
      { group: 'apps', kind: 'Deployment', name: 'app-v1', namespace: 'storefront', jsonPointers: ['/spec/replicas'] },
      { group: 'apps', kind: 'Deployment', name: 'app-v2', namespace: 'storefront', jsonPointers: ['/spec/replicas'] },
    ]);
    // Every ignored Deployment is one Weft writes, without replicas (the HPA's field).
    for (const name of ['app-v1', 'app-v2']) {
      const d = parse(r.files.get(`prod/kubernetes/storefront/deployment-${name}.yaml`)!);
      expect(d.spec.replicas).toBeUndefined();
    }
  });

  it('limits the AppProject to the repository, the cluster, the namespaces written to, and the kinds of the mesh', () => {
    const r = compile(shop({ repoUrl: REPO, targetRevision: 'main' }, { prod: { mesh: 'istio', gitops: true } }));
    const prod = parse(r.files.get('prod/argocd/argocd/appproject-shop-prod.yaml')!);
    expect(prod.spec.sourceRepos).toEqual([REPO]);
    expect(prod.spec.destinations).toEqual(['istio-system', 'storefront'].map((namespace) => ({ server: 'https://kubernetes.default.svc', namespace })));
    expect(prod.spec.clusterResourceWhitelist).toEqual([{ group: '', kind: 'Namespace' }]);
    const kinds = prod.spec.namespaceResourceWhitelist.map((k: { group: string; kind: string }) => `${k.group}/${k.kind}`);
    expect(kinds).toContain('networking.istio.io/VirtualService');
    expect(kinds).not.toContain('consul.hashicorp.com/ServiceRouter');
    // Per flavour: a weft environment's project admits no mesh CRDs, a consul one the consul-k8s kinds.
    const names = (f: MeshFlavour[]) => namespacedKinds(f).map((k) => `${k.group}/${k.kind}`);
    expect(names(['weft']).filter((k) => /istio|consul/.test(k))).toEqual([]);
    expect(names(['consul'])).toContain('consul.hashicorp.com/ServiceIntentions');
    expect(names(['consul'])).not.toContain('networking.istio.io/VirtualService');
  });

  it('writes one ApplicationSet with a git directory generator over the delivered environments (golden)', () => {
    const r = compile(
      shop({ repoUrl: REPO, targetRevision: 'main', delivery: 'application-set' }, { dev: { mesh: 'istio' }, staging: { mesh: 'istio', gitops: true }, prod: { mesh: 'istio', gitops: true } }),
    );
    expect(errors(r)).toEqual([]);
    const files = argocdFiles(r.files);
    expect([...files.keys()]).toEqual(['staging/argocd/argocd/applicationset-shop.yaml', 'staging/argocd/argocd/appproject-shop.yaml']);
    expectGolden('application-set.yaml', files);
    const set = parse(files.get('staging/argocd/argocd/applicationset-shop.yaml')!);
    expect(set.spec.generators).toEqual([{ git: { repoURL: REPO, revision: 'main', directories: [{ path: 'dist/staging' }, { path: 'dist/prod' }] } }]);
    expect(set.spec.template.spec.source.path).toBe('{{.path.path}}');
    expect(set.spec.template.metadata.name).toBe('shop-{{.path.basename}}');
    expect(() => new ApplicationSet(set).validate()).not.toThrow();
    // One project for both meshes: the union of their kinds.
    const project = parse(files.get('staging/argocd/argocd/appproject-shop.yaml')!);
    expect(project.spec.namespaceResourceWhitelist).toContainEqual({ group: 'networking.istio.io', kind: 'VirtualService' });
    expect(() => new AppProject(project).validate()).not.toThrow();
  });

  it('WEFT760: an environment delivered by Argo CD without repository or revision fails the synth, pointing at the setting', () => {
    const r = compile(shop(undefined, { prod: { mesh: 'istio', gitops: true } }));
    const d = errors(r);
    expect(d.map((x) => [x.code, x.message])).toEqual([['WEFT760', 'environment "prod" is delivered by Argo CD, but repoUrl and targetRevision are not set']]);
    expect(r.files.size).toBe(0);
    const only = compile(shop({ repoUrl: REPO }, { prod: { mesh: 'istio', gitops: true } }));
    expect(errors(only).map((x) => x.message)).toEqual(['environment "prod" is delivered by Argo CD, but targetRevision is not set']);
    expect(errors(only)[0]).toMatchObject({ hint: expect.stringContaining('gitops.targetRevision'), location: { line: expect.any(Number) } });
  });

  it('WEFT761: two Applications naming one AppProject would overwrite each other', () => {
    const r = compile(shop({ repoUrl: REPO, targetRevision: 'main', project: 'mesh' }, { staging: { mesh: 'istio', gitops: true }, prod: { mesh: 'istio', gitops: true } }));
    expect(errors(r).map((x) => [x.code, x.message])).toEqual([
      ['WEFT761', 'environments "staging" and "prod" both use AppProject "mesh"; each Application gets an AppProject limited to its own destinations, so the two would overwrite each other'],
    ]);
  });

  it('WEFT762: per-environment settings under an ApplicationSet; WEFT763: a distPath outside the repository', () => {
    const r = compile(shop({ repoUrl: REPO, targetRevision: 'main', delivery: 'application-set' }, { prod: { mesh: 'istio', gitops: { targetRevision: 'release' } } }));
    expect(errors(r).map((x) => x.code)).toEqual(['WEFT762']);
    const p = compile(shop({ repoUrl: REPO, targetRevision: 'main', distPath: '../elsewhere' }, { prod: { mesh: 'istio', gitops: true } }));
    expect(errors(p).map((x) => x.code)).toEqual(['WEFT763']);
  });

  it('writes nothing for environments that do not ask for Argo CD, and no longer reports WEFT008 for gitops', () => {
    const r = compile(shop({ repoUrl: REPO, targetRevision: 'main' }, { dev: { mesh: 'istio' } }));
    expect(argocdFiles(r.files).size).toBe(0);
    expect(r.diagnostics.filter((d) => d.code === 'WEFT008' && d.message.includes('gitops'))).toEqual([]);
  });
});
