import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveRelative } from '../../src/diff/base-tree';
import { baseSide, currentSide } from '../../src/diff/sides';
import { scratchDir } from '../e2e/helpers';

/**
 * `weft diff --base REF` builds the base model from the commit's mesh.config.ts *and* the
 * commit's versions of the files it imports: a real git repository in a scratch folder, with a
 * config that imports helpers (a `.js` specifier for a `.ts` file, a folder index, a nested
 * relative import), a commit, then a change to a helper only in the working tree.
 */
const CONFIG = `import { Mesh } from 'weft';
import { ORDER_IMAGE } from './lib/images.js';
import { replicasOf } from './lib';
const mesh = new Mesh('shop', { environments: { prod: { mesh: 'istio' } } });
const t = mesh.team('commerce');
t.service('order-service', { port: 8080, versions: { v1: { image: ORDER_IMAGE, replicas: replicasOf('order') } } });
export default mesh;
`;
const IMAGES = (tag: string) => `export const ORDER_IMAGE = 'example/order-service:${tag}';\n`;
const INDEX = `import { SIZES } from './sizes/table';\nexport const replicasOf = (name: string): number => SIZES[name] ?? 1;\n`;
const SIZES = (n: number) => `export const SIZES: Record<string, number> = { order: ${n} };\n`;

let scratch: ReturnType<typeof scratchDir>;
const git = (...args: string[]) => {
  const r = spawnSync('git', args, { cwd: scratch.dir, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
const write = (path: string, text: string) => {
  mkdirSync(join(scratch.dir, path, '..'), { recursive: true });
  writeFileSync(join(scratch.dir, path), text);
};
const options = () => ({ configPath: join(scratch.dir, 'mesh.config.ts'), distDir: join(scratch.dir, 'dist'), cwd: scratch.dir });
const orderVersion = (side: { model?: { services: Array<{ name: string; versions: Array<{ image: string; replicas: number }> }> } }) =>
  side.model?.services.find((s) => s.name === 'order-service')?.versions[0];

beforeAll(() => {
  scratch = scratchDir();
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'ci@example.com');
  git('config', 'user.name', 'CI');
  write('mesh.config.ts', CONFIG);
  write('lib/images.ts', IMAGES('1.0.0'));
  write('lib/index.ts', INDEX);
  write('lib/sizes/table.ts', SIZES(2));
  git('add', '-A');
  git('commit', '-q', '-m', 'mesh');
  // The change under review touches only the imported helpers, not mesh.config.ts.
  write('lib/images.ts', IMAGES('2.0.0'));
  write('lib/sizes/table.ts', SIZES(5));
}, 120_000);
afterAll(() => scratch?.cleanup());

describe('weft diff: the base side of a ref', () => {
  it('reads the files mesh.config.ts imports from the base commit, not from the working tree', async () => {
    const before = await baseSide('HEAD', options());
    expect(before.notes).toEqual([]);
    expect(orderVersion(before)).toMatchObject({ image: 'example/order-service:1.0.0', replicas: 2 });
    const after = await currentSide(options());
    expect(orderVersion(after)).toMatchObject({ image: 'example/order-service:2.0.0', replicas: 5 });
  }, 120_000);

  it('removes its mirror of the base files afterwards', async () => {
    await baseSide('HEAD', options());
    expect(readdirSync(scratch.dir).filter((n) => n.startsWith('.weft-diff-base-'))).toEqual([]);
  }, 120_000);

  it('reports a helper the commit lacks as the load error synth would give', async () => {
    write('mesh.config.ts', CONFIG.replace("'./lib/images.js'", "'./lib/missing.js'"));
    git('add', 'mesh.config.ts');
    git('commit', '-q', '-m', 'broken import');
    try {
      const before = await baseSide('HEAD', options());
      expect(before.model).toBeUndefined();
      expect(before.notes.join('\n')).toMatch(/does not build with this version of Weft \(WEFT002\)/);
    } finally {
      write('mesh.config.ts', CONFIG);
      git('add', 'mesh.config.ts');
      git('commit', '-q', '-m', 'fixed import');
    }
    expect(existsSync(join(scratch.dir, 'lib/missing.ts'))).toBe(false);
  }, 120_000);
});

describe('resolveRelative (TypeScript bundler resolution of relative specifiers)', () => {
  const paths = new Set(['a/b.ts', 'a/c/index.ts', 'd.mts', 'e.json', 'f.js']);
  const has = (p: string) => paths.has(p);
  it.each([
    ['./b', 'a/b.ts'],
    ['./b.js', 'a/b.ts'],
    ['./b.ts', 'a/b.ts'],
    ['./c', 'a/c/index.ts'],
    ['../d.mjs', 'd.mts'],
    ['../e.json', 'e.json'],
    ['../f.js', 'f.js'],
  ])('%s from a/x.ts names %s', (specifier, file) => {
    expect(resolveRelative('a/x.ts', specifier, has)).toBe(file);
  });
  it('names nothing for a missing file or a path outside the repository', () => {
    expect(resolveRelative('a/x.ts', './nope', has)).toBeUndefined();
    expect(resolveRelative('a/x.ts', '../../outside', has)).toBeUndefined();
  });
});
