/**
 * Watches the config file for changes the way Kubernetes delivers them. A mounted ConfigMap is
 * updated by writing a new timestamped directory and atomically swapping the `..data` symlink,
 * so the file's own inode never changes and fs.watch on the file misses updates. We therefore
 * watch the directory (any event triggers a check) and also poll every `pollIntervalMs`; a
 * check reads the file through the symlinks and compares content hashes, so spurious events
 * cost one read and a hash. Checks never overlap; a failed read (mid-swap) is retried on the
 * next tick.
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { readText } from './config/read-text';
import { hashConfig } from './config/load';

export class ConfigWatcher {
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private again = false;
  private debounce: NodeJS.Timeout | null = null;

  constructor(
    private readonly file: string,
    private readonly pollIntervalMs: number,
    private lastHash: string,
    private readonly onChange: (text: string, hash: string) => Promise<void>,
  ) {}

  start(): void {
    try {
      // Only events about the file itself or the kubelet's ..data swap matter; other files in the
      // directory (an access log, say) must not trigger a read per write.
      const name = basename(this.file);
      this.watcher = watch(dirname(this.file), { persistent: false }, (_event, changed) => {
        if (changed === null || changed === name || changed.startsWith('..')) this.schedule();
      });
      this.watcher.on('error', () => {
        // The directory can vanish and come back (volume remount); polling still covers us.
        this.watcher?.close();
        this.watcher = null;
      });
    } catch {
      this.watcher = null;
    }
    this.timer = setInterval(() => void this.check(), this.pollIntervalMs);
    this.timer.unref();
  }

  private schedule(): void {
    if (this.debounce) return;
    // Editors and the kubelet produce bursts of events; coalesce them.
    this.debounce = setTimeout(() => {
      this.debounce = null;
      void this.check();
    }, 25);
    this.debounce.unref();
  }

  async check(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      let text: string;
      try {
        text = await readText(this.file);
      } catch {
        return;
      }
      const hash = hashConfig(text);
      if (hash === this.lastHash) return;
      this.lastHash = hash;
      await this.onChange(text, hash);
    } finally {
      this.running = false;
      if (this.again) {
        this.again = false;
        void this.check();
      }
    }
  }

  stop(): void {
    this.watcher?.close();
    this.watcher = null;
    if (this.timer) clearInterval(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
    this.timer = null;
  }
}
