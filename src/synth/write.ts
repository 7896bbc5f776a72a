import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export interface DistChanges {
  added: string[];
  changed: string[];
  removed: string[];
}

/**
 * The scope a synth owns inside dist/: everything (a full synth) or only the given
 * environments' folders (`--env`). Other folders are never touched.
 */
function scopeOf(environments?: string[]): (relPath: string) => boolean {
  if (!environments) return (p) => !p.startsWith('.');
  // `verify/<env>/` is the environment's verification overlay (src/verify/overlay/model.ts).
  return (p) => environments.some((e) => p === e || p.startsWith(`${e}/`) || p.startsWith(`verify/${e}/`));
}

/** Files currently in `dist/` within the scope, as `relative path → content`. */
export function readDist(distDir: string, environments?: string[]): Map<string, string> {
  const inScope = scopeOf(environments);
  const out = new Map<string, string>();
  const root = resolve(distDir);
  if (!existsSync(root)) return out;
  const walk = (dir: string) => {
    const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const full = join(dir, entry.name);
      const rel = relative(root, full).split('\\').join('/');
      // A symbolic link is followed, as a plain stat would.
      if (entry.isDirectory() || (entry.isSymbolicLink() && statSync(full).isDirectory())) walk(full);
      else if (inScope(rel)) out.set(rel, readFileSync(full, 'utf8'));
    }
  };
  walk(root);
  return out;
}

export function diffDist(current: Map<string, string>, next: Map<string, string>): DistChanges {
  const added: string[] = [];
  const changed: string[] = [];
  const removed: string[] = [];
  for (const [path, content] of next) {
    if (!current.has(path)) added.push(path);
    else if (current.get(path) !== content) changed.push(path);
  }
  for (const path of current.keys()) if (!next.has(path)) removed.push(path);
  return { added, changed, removed };
}

/**
 * Replaces dist/ (or only the given environments' folders) with `files`, atomically as far as
 * the file system allows: the new tree is written to a temporary sibling folder first and
 * swapped in by rename, so that a crash while writing leaves the previous dist/ untouched.
 *
 * Only what changed is written. A file whose content is unchanged (`current`, what `readDist`
 * read) and every file outside the scope is hard-linked from the old tree into the new one
 * instead: the same inode, so its mtime stays and tools that watch dist/ (editors, `make`,
 * Argo CD's repo server) see only the files that changed. Where the file system refuses a hard
 * link, the file is copied with its times.
 */
export function writeDist(distDir: string, files: Map<string, string>, environments?: string[], current?: ReadonlyMap<string, string>): void {
  const root = resolve(distDir);
  const parent = dirname(root);
  const tmp = join(parent, `.weft-tmp-${process.pid}-${Date.now()}`);
  mkdirSync(tmp, { recursive: true });
  try {
    // Keep what lies outside the synth's scope: carry it into the new tree first.
    if (environments && existsSync(root)) {
      const inScope = scopeOf(environments);
      for (const rel of listFiles(root)) if (!rel.startsWith('.') && !inScope(rel)) keep(root, tmp, rel);
    }
    for (const [rel, content] of files) {
      if (current?.get(rel) === content) keep(root, tmp, rel);
      else put(tmp, rel, content);
    }
    const old = `${tmp}-old`;
    if (existsSync(root)) renameSync(root, old);
    renameSync(tmp, root);
    rmSync(old, { recursive: true, force: true });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Every file under `root`, as `/`-separated relative paths (dot-folders included). */
function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.push(relative(root, full).split('\\').join('/'));
    }
  };
  walk(root);
  return out;
}

/** Carries an unchanged file from the old tree into the new one without rewriting it. */
function keep(oldRoot: string, newRoot: string, rel: string): void {
  const from = join(oldRoot, rel);
  const to = join(newRoot, rel);
  mkdirSync(dirname(to), { recursive: true });
  try {
    linkSync(from, to);
  } catch {
    copyFileSync(from, to);
    const { atime, mtime } = statSync(from);
    utimesSync(to, atime, mtime);
  }
}

function put(root: string, rel: string, content: string): void {
  const file = join(root, rel);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
}
