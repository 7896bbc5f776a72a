import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
  return (p) => environments.some((e) => p === e || p.startsWith(`${e}/`));
}

/** Files currently in `dist/` within the scope, as `relative path → content`. */
export function readDist(distDir: string, environments?: string[]): Map<string, string> {
  const inScope = scopeOf(environments);
  const out = new Map<string, string>();
  const root = resolve(distDir);
  if (!existsSync(root)) return out;
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      const rel = relative(root, full).split('\\').join('/');
      if (statSync(full).isDirectory()) walk(full);
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
 */
export function writeDist(distDir: string, files: Map<string, string>, environments?: string[]): void {
  const root = resolve(distDir);
  const parent = dirname(root);
  const tmp = join(parent, `.weft-tmp-${process.pid}-${Date.now()}`);
  mkdirSync(tmp, { recursive: true });
  try {
    // Keep what lies outside the synth's scope: copy it into the new tree first.
    if (environments && existsSync(root)) {
      const inScope = scopeOf(environments);
      for (const [rel, content] of readDist(root)) if (!inScope(rel)) put(tmp, rel, content);
    }
    for (const [rel, content] of files) put(tmp, rel, content);
    const old = `${tmp}-old`;
    if (existsSync(root)) renameSync(root, old);
    renameSync(tmp, root);
    rmSync(old, { recursive: true, force: true });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function put(root: string, rel: string, content: string): void {
  const file = join(root, rel);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
}
