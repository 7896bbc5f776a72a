import { renameSync, writeFileSync } from 'node:fs';

/** Replaces a file atomically, as the kubelet swaps a ConfigMap: the watcher never reads half of it. */
export function replaceFile(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

/** Polls `probe` until it returns a value, bounded by `seconds` (generous: the suite runs on loaded machines). */
export async function until<T>(what: string, probe: () => T | undefined, seconds = 30): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
