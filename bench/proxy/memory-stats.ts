/**
 * Reading a proxy process's memory breakdown through bench/proxy/memory-probe.mjs (preloaded with
 * `--import`, answering over the IPC channel), for memory.ts and run.ts.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const MEMORY_PROBE = fileURLToPath(new URL('./memory-probe.mjs', import.meta.url));

export interface MemoryStats {
  memory: NodeJS.MemoryUsage;
  spaces: Array<{ name: string; size: number; used: number; physical: number }>;
  code: { code_and_metadata_size: number; bytecode_and_metadata_size: number; external_script_source_size: number };
  /** Which of node:http (never, since the admin listener is on node:net) and the proxy's on-demand built-ins (node:tls, node:http2, node:dns/promises) are loaded. */
  onDemand?: string[];
}

const MB = 2 ** 20;
export const mb = (bytes: number): string => (bytes / MB).toFixed(1);

/** Sends `message` and resolves with the first answer of `type`; bounded (60 s). */
export function ask<T>(child: ChildProcess, message: object, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const on = (m: { type: string }) => {
      if (m.type !== type) return;
      clearTimeout(timer);
      child.off('message', on);
      resolve(m as T);
    };
    const timer = setTimeout(() => {
      child.off('message', on);
      reject(new Error(`no ${type} answer in 60 s`));
    }, 60_000);
    child.on('message', on);
    child.send(message);
  });
}

export const askStats = (child: ChildProcess): Promise<MemoryStats> => ask<MemoryStats>(child, { type: 'stats' }, 'stats');

/** A field of /proc/<pid>/status in bytes (VmRSS, VmHWM = peak RSS, RssAnon, RssFile). */
export function procStatus(pid: number, field: 'VmRSS' | 'VmHWM' | 'RssAnon' | 'RssFile'): number {
  try {
    return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/**
 * A field of /proc/<pid>/smaps_rollup in bytes: `Pss` (each page divided among the processes
 * that map it), `Shared_Clean` (mostly the node binary's pages, which every node process and
 * every worker of the proxy shares with the others).
 * @see https://www.kernel.org/doc/html/latest/filesystems/proc.html (smaps_rollup)
 */
export function smapsRollup(pid: number, field: 'Pss' | 'Shared_Clean'): number {
  try {
    return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/** `new 4.0/1.6, old 7.8/7.6, …` — physical/used MB of every non-empty V8 heap space. */
export function heapSpaces(s: MemoryStats): string {
  return s.spaces
    .filter((x) => x.size > 0)
    .map((x) => `${x.name.replace(/_space$/, '')} ${mb(x.physical)}/${mb(x.used)}`)
    .join(', ');
}

/** The breakdown as printed by memory.ts and run.ts: RSS split, process.memoryUsage, heap spaces, code. */
export function breakdown(label: string, pid: number, s: MemoryStats): string[] {
  return [
    `  ${label}: RSS ${mb(procStatus(pid, 'VmRSS'))} MB (peak ${mb(procStatus(pid, 'VmHWM'))}; anonymous ${mb(procStatus(pid, 'RssAnon'))}, file-backed ${mb(procStatus(pid, 'RssFile'))}); heapTotal ${mb(s.memory.heapTotal)}, heapUsed ${mb(s.memory.heapUsed)}, external ${mb(s.memory.external)}, arrayBuffers ${mb(s.memory.arrayBuffers)} MB`,
    `    shared: PSS ${mb(smapsRollup(pid, 'Pss'))} MB, shared clean pages ${mb(smapsRollup(pid, 'Shared_Clean'))} MB (the node binary's, shared with every node process)`,
    `    heap spaces (physical/used MB): ${heapSpaces(s)}`,
    `    code: bytecode ${mb(s.code.bytecode_and_metadata_size)} MB, machine code ${mb(s.code.code_and_metadata_size)} MB, script source ${mb(s.code.external_script_source_size)} MB (external)`,
    ...(s.onDemand ? [`    on-demand built-ins loaded: ${s.onDemand.map((id) => `node:${id}`).join(', ') || 'none'}`] : []),
  ];
}
