import { statSync, type Stats } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DistChanges } from './write';

interface Remembered {
  content: string;
  size: number;
  mtimeMs: number;
  ino: number;
}

/**
 * What a long-lived `weft synth --watch` last wrote to dist/, file by file, so that the next
 * run can tell an unchanged file without reading it back: a file whose size, modification time
 * and inode are those it had after the last write, and whose new content is the content written
 * then, is unchanged. Anything else — a file edited by hand, replaced, touched, removed — fails
 * the stat check and is compared with its bytes, as a single synth compares it (write.ts).
 */
export class DistMemory {
  readonly #root: string;
  readonly #files = new Map<string, Remembered>();

  constructor(distDir: string) {
    this.#root = resolve(distDir);
  }

  /** True when `rel` is known to hold exactly `content` (one stat, no read). */
  holds(rel: string, content: string): boolean {
    const known = this.#files.get(rel);
    if (!known || known.content !== content) return false;
    const stat = statSync(join(this.#root, rel), { throwIfNoEntry: false });
    return stat !== undefined && sameFile(stat, known);
  }

  /** After a write: the files it wrote (`changes`, out of `files`) are remembered as they are now. */
  wrote(files: ReadonlyMap<string, string>, changes: DistChanges): void {
    for (const rel of changes.removed) this.#files.delete(rel);
    for (const rel of [...changes.added, ...changes.changed]) this.#remember(rel, files.get(rel));
  }

  /** A file found unchanged by its bytes (not by `holds`: new to this watch, or touched): remembered as it is now. */
  confirmed(rel: string, content: string): void {
    this.#remember(rel, content);
  }

  #remember(rel: string, content: string | undefined): void {
    const stat = content === undefined ? undefined : statSync(join(this.#root, rel), { throwIfNoEntry: false });
    if (!stat || content === undefined) this.#files.delete(rel);
    else this.#files.set(rel, { content, size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino });
  }
}

function sameFile(stat: Stats, known: Remembered): boolean {
  return stat.isFile() && stat.size === known.size && stat.mtimeMs === known.mtimeMs && stat.ino === known.ino;
}
