import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, scratchDir, type CliResult } from '../e2e/helpers';

/** The real `weft` binary, with a bound generous enough for a loaded 2-core machine. */
function weft(args: string[], cwd: string): CliResult {
  const r = spawnSync(process.execPath, [join(repoRoot, 'bin/weft.mjs'), ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 240_000,
    env: { ...process.env, NO_COLOR: '1', GITHUB_ACTIONS: '' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * `weft diff` as a user runs it: a git repository with a mesh.config.ts and its committed dist/,
 * a change made on purpose, then `weft diff` against the commit and against a directory.
 */
const CONFIG = (weights: string, timeout: string) => `import { Mesh, duration } from 'weft';
const mesh = new Mesh('shop', {
  environments: { prod: { mesh: 'istio', gitops: true } },
  gitops: { repoUrl: 'https://git.example.com/shop.git', targetRevision: 'main' },
});
const t = mesh.team('commerce');
const order = t.service('order-service', { port: 8080, versions: { v1: { image: 'o:1' }, v2: { image: 'o:2' } } });
t.service('user-service', { port: 8080, versions: { v1: { image: 'u:1' } }, calls: [order] });
order.route('api', {
  match: { path: { prefix: '/orders' }, methods: ['GET', 'POST'] },
  to: [${weights}],
  timeout: duration.seconds(${timeout}),
});
order.route('default', { to: order.version('v1') });
export default mesh;
`;
const V1 = CONFIG(`order.version('v1').weight(90), order.version('v2').weight(10)`, '4');
const V2 = CONFIG(`order.version('v1').weight(80), order.version('v2').weight(20)`, '2');

let scratch: ReturnType<typeof scratchDir>;
const git = (...args: string[]) => {
  const r = spawnSync('git', args, { cwd: scratch.dir, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

// Each step runs the real CLI (Node + the TypeScript loader): generous bounds for a loaded machine.
const SLOW = { timeout: 900_000 };

beforeAll(() => {
  scratch = scratchDir();
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'ci@example.com');
  git('config', 'user.name', 'CI');
  writeFileSync(join(scratch.dir, 'mesh.config.ts'), V1);
  const synth = weft(['synth'], scratch.dir);
  expect(synth.status, synth.stderr).toBe(0);
  git('add', '-A');
  git('commit', '-q', '-m', 'mesh');
  cpSync(join(scratch.dir, 'dist'), join(scratch.dir, 'dist-v1'), { recursive: true });
  writeFileSync(join(scratch.dir, 'v1.mesh.config.ts'), V1);
}, SLOW.timeout);
afterAll(() => scratch?.cleanup());

describe('weft diff (CLI)', SLOW, () => {
  it('exits 0 with "no changes" when the working tree compiles to the commit', () => {
    const r = weft(['diff'], scratch.dir);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^weft diff: HEAD \([0-9a-f]{7}\) → working tree\n\nno changes\n$/);
  });

  it('after a change to a weight and a timeout: the resource and the traffic views, exit 4', () => {
    writeFileSync(join(scratch.dir, 'mesh.config.ts'), V2);
    const r = weft(['diff', '--base', 'main'], scratch.dir);
    expect(r.status, r.stderr).toBe(4);
    const out = r.stdout.split('\n');
    expect(out[0]).toMatch(/^weft diff: main \([0-9a-f]{7}\) → working tree$/);
    expect(out.slice(1)).toEqual([
      '',
      'environment prod',
      '',
      'resources',
      '  ~ prod/istio/commerce/virtualservice-order-service.yaml  VirtualService commerce/order-service: spec.http[0].route[0].weight: 90 → 80; spec.http[0].route[1].weight: 10 → 20; and 1 more',
      '',
      'routing',
      '  order-service.commerce GET,POST /orders*: timeout 4s → 2s',
      '  order-service.commerce GET,POST /orders*: weights order-service v1 90% → 80%, v2 10% → 20%',
      '',
      '1 resource changed, 2 traffic changes, 0 risky',
      '',
    ]);
    // dist/ is not written by diff.
    expect(git('status', '--porcelain', '--', 'dist')).toBe('');
  });

  it('--verbose adds the line diff; --markdown suits a job summary', () => {
    const v = weft(['diff', '--verbose'], scratch.dir);
    expect(v.stdout).toMatch(/\n {6}- +weight: 90\n {6}\+ +weight: 80\n/);
    const md = weft(['diff', '--markdown'], scratch.dir);
    expect(md.status).toBe(4);
    expect(md.stdout).toContain('**1 resource changed, 2 traffic changes, 0 risky**');
    expect(md.stdout).toContain('- `order-service.commerce GET,POST /orders*: weights order-service v1 90% → 80%, v2 10% → 20%`');
    expect(md.stdout).toContain('<details><summary>prod/istio/commerce/virtualservice-order-service.yaml</summary>');
    expect(md.stdout).toContain('```diff');
  });

  it('compares with a directory, with the traffic view when given the config that produced it', () => {
    const r = weft(['diff', '--base', 'dist-v1', '--base-config', 'v1.mesh.config.ts'], scratch.dir);
    expect(r.status, r.stderr).toBe(4);
    expect(r.stdout).toContain('  order-service.commerce GET,POST /orders*: timeout 4s → 2s\n');
    const bare = weft(['diff', '--base', 'dist-v1'], scratch.dir);
    expect(bare.stdout).toContain('note: traffic view left out: pass --base-config');
    expect(bare.stdout).not.toContain('routing');
  });

  it('an unknown ref is a user error with a hint; the temporary base config is removed', () => {
    const r = weft(['diff', '--base', 'no-such-branch'], scratch.dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('hint: --base takes a git ref');
    expect(git('status', '--porcelain', '--untracked-files=all')).not.toContain('.weft-diff-base');
  });
});

describe('weft synth --check as the CI gate', SLOW, () => {
  it('passes on a fresh dist/, fails on a stale one and on a hand-edited one, listing the files with a hint', () => {
    writeFileSync(join(scratch.dir, 'mesh.config.ts'), V1);
    const fresh = weft(['synth', '--check'], scratch.dir);
    expect(fresh.status, fresh.stderr).toBe(0);
    expect(fresh.stderr).toContain('dist/ is up to date');

    // Stale: mesh.config.ts changed, dist/ not recompiled.
    writeFileSync(join(scratch.dir, 'mesh.config.ts'), V2);
    const stale = weft(['synth', '--check'], scratch.dir);
    expect(stale.status).toBe(1);
    // The VirtualService changes, and so does its copy in the verification overlay
    // (dist/verify/prod, whose echo workloads also carry the routes' timeouts).
    const listed = stale.stderr.split('\n').filter((l) => l.startsWith('  changed  ') || l.startsWith('  added    ') || l.startsWith('  removed  '));
    expect(stale.stderr).toMatch(new RegExp(`dist/ is stale: ${listed.length} files? would change \\(run \`npm run synth\`\\)\\n`));
    expect(listed).toContain('  changed  prod/istio/commerce/virtualservice-order-service.yaml');
    expect(listed.filter((l) => l !== '  changed  prod/istio/commerce/virtualservice-order-service.yaml' && !l.includes(' verify/prod/'))).toEqual([]);
    expect(stale.stderr).toContain('\nhint: dist/ is generated');

    // Hand-edited: the config is back, but dist/ was edited, one file added, one deleted.
    writeFileSync(join(scratch.dir, 'mesh.config.ts'), V1);
    const file = join(scratch.dir, 'dist/prod/kubernetes/commerce/service-user-service.yaml');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace('port: 8080', 'port: 9090'));
    writeFileSync(join(scratch.dir, 'dist/prod/kubernetes/commerce/configmap-extra.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: extra }\n');
    spawnSync('rm', [join(scratch.dir, 'dist/prod/argocd/argocd/appproject-shop-prod.yaml')]);
    const edited = weft(['synth', '--check'], scratch.dir);
    expect(edited.status).toBe(1);
    expect(edited.stderr).toContain(
      [
        'dist/ is stale: 3 files would change (run `npm run synth`)',
        '  added    prod/argocd/argocd/appproject-shop-prod.yaml',
        '  changed  prod/kubernetes/commerce/service-user-service.yaml',
        '  removed  prod/kubernetes/commerce/configmap-extra.yaml',
        'hint: dist/ is generated from mesh.config.ts and must not be edited by hand; change mesh.config.ts, run `npm run synth`, and commit dist/ with it',
      ].join('\n'),
    );
    // --check writes nothing.
    expect(readFileSync(file, 'utf8')).toContain('port: 9090');
    git('checkout', '-q', '--', 'dist');
    spawnSync('rm', [join(scratch.dir, 'dist/prod/kubernetes/commerce/configmap-extra.yaml')]);
    expect(weft(['synth', '--check'], scratch.dir).status).toBe(0);
  });
});
