import { readFileSync, readdirSync } from 'node:fs';

/**
 * The resident set of a process and all its descendants, in KB, from /proc (Linux): `weft
 * synth` is two processes (the CLI and its compile child) that hold memory at the same time,
 * and GNU time's %M reports only the largest one. Processes that end while being read are skipped.
 * @see https://man7.org/linux/man-pages/man5/proc_pid_status.5.html (VmRSS)
 * @see https://docs.kernel.org/filesystems/proc.html (/proc/PID/task/TID/children)
 */
export function treeRssKb(pid: number): number {
  let total = 0;
  const pending = [pid];
  for (let guard = 0; pending.length > 0 && guard < 1000; guard++) {
    const p = pending.pop()!;
    try {
      total += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
      for (const task of readdirSync(`/proc/${p}/task`)) {
        const children = readFileSync(`/proc/${p}/task/${task}/children`, 'utf8').trim();
        if (children) pending.push(...children.split(' ').map(Number));
      }
    } catch {
      // the process ended meanwhile
    }
  }
  return total;
}

/** Samples `treeRssKb(pid)` every `everyMs` until stopped; `stop()` returns the peak in KB (a peak shorter than a period can be missed). */
export function sampleTreeRss(pid: number, everyMs = 100): { stop(): number } {
  let peak = treeRssKb(pid);
  const timer = setInterval(() => (peak = Math.max(peak, treeRssKb(pid))), everyMs);
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}
