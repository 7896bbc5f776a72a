import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DistStage, readDist, stagingFolderFor, THREAD_AFTER_FILES } from '../../src/synth/write';

const roots: string[] = [];
afterEach(() => roots.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempDist(files: Record<string, string> = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'weft-stage-thread-'));
  roots.push(root);
  const dist = join(root, 'dist');
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(join(dist, rel, '..'), { recursive: true });
    writeFileSync(join(dist, rel), content);
  }
  return dist;
}

/** More files than are staged inline before the thread starts, and than the thread takes in flight before the compile thread waits (stage-thread.ts). */
const MANY = THREAD_AFTER_FILES + 10_000;
/** Every 7th file has multi-byte UTF-8 text: the thread gets bytes, cut at byte offsets. */
const many = (tag: string) => new Map(Array.from({ length: MANY }, (_, i) => [`env/k/f-${i % 40}/file-${i}.yaml`, `${tag} ${i}${i % 7 === 0 ? ' é€😀' : ''}\n`]));

/** The same offers staged inline and on the thread: the same changes and the same staged bytes. */
async function stageBoth(dist: string, files: ReadonlyMap<string, string>, dryRun = false) {
  const results = [];
  for (const thread of [false, true]) {
    const stage = new DistStage(dist, { staging: stagingFolderFor(dist) + (thread ? '-t' : '-i'), dryRun, thread });
    for (const [rel, content] of files) stage.offer(rel, content);
    await stage.settle();
    const changes = stage.changes();
    const staged = existsSync(stage.staging) ? readDist(stage.staging) : new Map();
    stage.discard();
    results.push({ changes, staged });
  }
  return results;
}

describe('staging on a worker thread', () => {
  it('stages exactly what the inline path stages, into a fresh dist/ (more files than are ever in flight)', async () => {
    const dist = tempDist();
    const files = many('new');
    const [inline, threaded] = await stageBoth(dist, files);
    expect(threaded!.changes.added).toHaveLength(MANY);
    expect(threaded!.changes).toEqual(inline!.changes);
    expect(threaded!.staged).toEqual(files);
  });

  it('compares with an existing dist/: unchanged files are neither listed nor written, an equal-sized edit is found', async () => {
    const old = Object.fromEntries(many('old'));
    const dist = tempDist({ ...old, 'env/k/stale.yaml': 'stale\n' });
    const files = many('old');
    files.set('env/k/f-1/file-1.yaml', 'new 1\n'); // same size as "old 1\n"
    files.set('env/k/f-2/file-2.yaml', 'a longer new 2\n');
    files.set('env/k/f-5/file-5005.yaml', 'new 5005\n'); // after the inline ones: the thread compares it
    files.set('env/k/added.yaml', 'added\n');
    const [inline, threaded] = await stageBoth(dist, files);
    expect(threaded!.changes).toEqual(inline!.changes);
    expect(threaded!.changes).toEqual({ added: ['env/k/added.yaml'], changed: ['env/k/f-1/file-1.yaml', 'env/k/f-2/file-2.yaml', 'env/k/f-5/file-5005.yaml'], removed: ['env/k/stale.yaml'] });
    expect(Object.fromEntries(threaded!.staged)).toEqual({ 'env/k/added.yaml': 'added\n', 'env/k/f-1/file-1.yaml': 'new 1\n', 'env/k/f-2/file-2.yaml': 'a longer new 2\n', 'env/k/f-5/file-5005.yaml': 'new 5005\n' });
  });

  it('writes nothing in a dry run (`--check`) and leaves dist/ untouched', async () => {
    // The two files come after the inline ones, so the thread compares them.
    const dist = tempDist({ 'env/z/a.yaml': 'a\n' });
    const past = new Date('2001-02-03T04:05:06Z');
    utimesSync(join(dist, 'env/z/a.yaml'), past, past);
    const files = new Map([...many('x'), ['env/z/a.yaml', 'b\n'], ['env/z/b.yaml', 'b\n']]);
    const [inline, threaded] = await stageBoth(dist, files, true);
    expect(threaded!.changes).toEqual(inline!.changes);
    expect(threaded!.changes.added).toContain('env/z/b.yaml');
    expect(threaded!.changes.changed).toEqual(['env/z/a.yaml']);
    expect(threaded!.staged.size).toBe(0);
    expect(statSync(join(dist, 'env/z/a.yaml')).mtime).toEqual(past);
  });

  it("rejects with the thread's write error, which the compile child reports as WEFT051", async () => {
    const dist = tempDist();
    const staging = stagingFolderFor(dist);
    // Where the thread's files go, the staging folder holds a file: their writes fail.
    mkdirSync(staging, { recursive: true });
    writeFileSync(join(staging, 'late'), '');
    const stage = new DistStage(dist, { staging, thread: true });
    for (const [rel, content] of many('x')) stage.offer(rel, content); // the inline ones succeed
    stage.offer('late/a.yaml', 'a\n');
    await expect(stage.settle()).rejects.toMatchObject({ code: expect.stringMatching(/^(ENOTDIR|EEXIST)$/) });
    stage.discard();
    expect(existsSync(staging)).toBe(false);
  });

  it('takes as many files as 10,000 services make (423,000) without overflowing the stack', async () => {
    // A dry run into a fresh dist/: the thread lists every file as added and writes none.
    const stage = new DistStage(tempDist(), { dryRun: true, thread: true });
    const count = 450_000;
    for (let i = 0; i < count; i++) stage.offer(`env/k/f-${i % 100}/file-${i}.yaml`, 'x\n');
    await stage.settle();
    expect(stage.changes().added).toHaveLength(count);
  });

  it('refuses changes() before the thread has settled', async () => {
    const stage = new DistStage(tempDist(), { thread: true });
    for (const [rel, content] of many('x')) stage.offer(rel, content);
    expect(() => stage.changes()).toThrow(/before settle/);
    await stage.settle();
    expect(stage.changes().added).toHaveLength(MANY);
    stage.discard();
  });
});
