import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DistStage, readDist, stagingFolderFor, THREAD_AFTER_FILES } from '../../src/synth/write';
import { stageTwin } from '../../src/synth/stage-files.mjs';

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
const many = (tag: string, count = MANY) => new Map(Array.from({ length: count }, (_, i) => [`env/k/f-${i % 40}/file-${i}.yaml`, `${tag} ${i}${i % 7 === 0 ? ' é€😀' : ''}\n`]));

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

/**
 * A verification-overlay file that repeats its environment's (its twin, offered first) is staged
 * as a hard link to the twin's staged file (stage-files.mjs `stageTwin`), inline and on the
 * thread; in a fresh dist/ the thread gets no bytes for it at all.
 */
describe('twins staged as hard links', () => {
  /** Enough files for the thread to take some of them (past THREAD_AFTER_FILES offers). */
  const COUNT = THREAD_AFTER_FILES + 1_500;

  /** The usual offers, each environment file followed by its overlay twin (`verify/…`), the twins spread over the inline part and the thread's. */
  function offerWithTwins(stage: DistStage, files: ReadonlyMap<string, string>) {
    let i = 0;
    for (const [rel, content] of files) {
      stage.offer(rel, content);
      if (i++ % 3 === 0) stage.offer(`verify/${rel}`, content, rel);
    }
  }

  it('into a fresh dist/: each twin holds its content and shares the inode of the file it repeats', async () => {
    for (const thread of [false, true]) {
      const dist = tempDist();
      const files = many('twin', COUNT);
      const stage = new DistStage(dist, { thread });
      offerWithTwins(stage, files);
      await stage.settle();
      const changes = stage.changes();
      stage.commit(changes);
      const written = readDist(dist);
      let linked = 0;
      for (const [rel, content] of files) {
        const twin = join(dist, 'verify', rel);
        if (!existsSync(twin)) continue;
        expect(written.get(`verify/${rel}`), rel).toBe(content);
        expect(statSync(twin).ino, rel).toBe(statSync(join(dist, rel)).ino);
        linked++;
      }
      expect(linked).toBe(Math.ceil(COUNT / 3));
      expect(changes.added).toHaveLength(COUNT + linked);
    }
  });

  it('into an existing dist/: a twin whose environment file is unchanged is written from its own bytes, and a later change to one file leaves the other as it was', async () => {
    for (const thread of [false, true]) {
      const files = many('old', COUNT);
      const dist = tempDist(Object.fromEntries(files));
      // Nothing staged for the environment's files (they are the same); every twin is added.
      const first = new DistStage(dist, { thread });
      offerWithTwins(first, files);
      await first.settle();
      first.commit(first.changes());
      // A file with a twin (every third), offered after the inline part (the thread's, when there is one).
      const n = 3 * Math.ceil(THREAD_AFTER_FILES / 3);
      const rel = `env/k/f-${n % 40}/file-${n}.yaml`;
      expect(readDist(dist).get(`verify/${rel}`)).toBe(files.get(rel));

      // Both changed: the twin is linked to the staged environment file.
      const changed = new Map([...files].map(([r, c]) => [r, `${c}new\n`]));
      const second = new DistStage(dist, { thread });
      offerWithTwins(second, changed);
      await second.settle();
      second.commit(second.changes());
      expect(statSync(join(dist, 'verify', rel)).ino).toBe(statSync(join(dist, rel)).ino);
      expect(readDist(dist).get(`verify/${rel}`)).toBe(changed.get(rel));

      // Only the environment's file changes again: the overlay's keeps its content, not its former twin's.
      const third = new DistStage(dist, { thread });
      for (const [r, c] of changed) {
        third.offer(r, r === rel ? 'third\n' : c);
        if (existsSync(join(dist, 'verify', r))) third.offer(`verify/${r}`, c);
      }
      await third.settle();
      const changes = third.changes();
      expect(changes.changed).toEqual([rel]);
      third.commit(changes);
      expect(readDist(dist).get(rel)).toBe('third\n');
      expect(readDist(dist).get(`verify/${rel}`)).toBe(changed.get(rel));
    }
  });

  it('copies the twin when no hard link can be made', () => {
    const staging = tempDist({ 'a/env.yaml': 'env\n', 'verify/a/env.yaml': 'taken\n' });
    // The name is taken (as on a file system without hard links, the link fails): the content is written, or copied from the twin.
    stageTwin(staging, 'verify/a/env.yaml', 'a/env.yaml', 'env\n', new Set());
    expect(readDist(staging).get('verify/a/env.yaml')).toBe('env\n');
    writeFileSync(join(staging, 'verify/a/env.yaml'), 'taken\n');
    stageTwin(staging, 'verify/a/env.yaml', 'a/env.yaml', undefined, new Set());
    expect(readDist(staging).get('verify/a/env.yaml')).toBe('env\n');
  });
});
