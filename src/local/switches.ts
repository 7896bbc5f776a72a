/**
 * The local mesh's degradation switches: one switches file per local mesh, which every proxy
 * watches as a pod watches its namespace's mounted `weft-switches` ConfigMap
 * (src/targets/weft/degradation.ts; the file format is src/proxy/switch-board.ts's). It starts
 * with the states the compiled environment ships (the ConfigMaps in dist/, else each config's
 * declared defaults), and `flip` changes one state atomically (write a sibling, rename: a proxy
 * never reads half a file). `waitApplied` is the proof that a flip has propagated: every proxy
 * declaring the switch reports the new state in `weft_proxy_switch_state{switch}` on its admin port.
 */
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parse } from 'yaml';
import { parseSwitchStates, type SwitchStates } from '../proxy/switch-board';
import { LocalMeshError } from './errors';
import type { Workload } from './topology';

export type SwitchState = 'on' | 'off';

/** A switch name the mesh does not declare, or a malformed switches file. */
export class UnknownSwitchError extends LocalMeshError {
  constructor(name: string, known: string[]) {
    super('WEFT_LOCAL_UNKNOWN_SWITCH', `no switch "${name}" (declared: ${known.map((n) => `"${n}"`).join(', ') || 'none'})`);
  }
}

/** Some proxy did not report a flipped switch's state within the bound. */
export class SwitchNotAppliedError extends LocalMeshError {
  constructor(name: string, state: SwitchState, waitedMs: number, pending: string[]) {
    super('WEFT_LOCAL_SWITCH_NOT_APPLIED', `switch "${name}" → ${state}: ${pending.length} proxy(ies) did not report it within ${waitedMs} ms (${pending.slice(0, 5).join(', ')})`);
  }
}

/** The file text, switches sorted by name (the same bytes for the same states). */
export function switchesFileText(states: SwitchStates): string {
  return `${JSON.stringify({ switches: Object.fromEntries(Object.entries(states).sort(([a], [b]) => (a < b ? -1 : 1))) }, null, 2)}\n`;
}

/** Reads a switches file; throws a message naming the file on anything but the documented shape. */
export function readSwitchesFile(file: string): SwitchStates {
  try {
    return parseSwitchStates(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new LocalMeshError('WEFT_LOCAL_SWITCHES_FILE', `${file}: ${(error as Error).message}`);
  }
}

/** Writes `states` to `file` by rename, so a watching proxy reads the old file or the new one, never half of one. */
export function writeSwitchesFile(file: string, states: SwitchStates): void {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  writeFileSync(tmp, switchesFileText(states));
  renameSync(tmp, file);
}

/** Sets one declared switch in `file`, keeping the others; a name the file does not hold is refused. */
export function flipSwitchFile(file: string, name: string, state: SwitchState): void {
  const states = readSwitchesFile(file);
  if (!(name in states)) throw new UnknownSwitchError(name, Object.keys(states));
  writeSwitchesFile(file, { ...states, [name]: state });
}

/**
 * The states a compiled environment ships: its `weft-switches` ConfigMaps (one per namespace,
 * all alike), else the declared defaults in the proxy configs (a hand-edited dist/ without them).
 */
export function shippedStates(distDir: string, env: string, workloads: Workload[]): SwitchStates {
  const states: SwitchStates = {};
  for (const w of workloads) for (const s of w.config.switches?.declared ?? []) states[s.name] ??= s.default === 'on' ? 'on' : 'off';
  const weft = join(distDir, env, 'weft');
  for (const ns of existsSync(weft) ? readdirSync(weft).sort() : []) {
    const path = join(weft, ns, 'configmap-weft-switches.yaml');
    if (!existsSync(path)) continue;
    const text = (parse(readFileSync(path, 'utf8')) as { data?: Record<string, string> })?.data?.['switches.json'];
    if (text !== undefined) Object.assign(states, parseSwitchStates(text));
  }
  return states;
}

/** One proxy that watches the switches file: where its admin port is, which switches it declares. */
export interface SwitchWatcher {
  label: string;
  adminPort: number;
  declared: readonly string[];
}

const STATE_LINE = (name: string) => new RegExp(`^weft_proxy_switch_state\\{switch="${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"\\} (\\d+)`, 'm');

/** The state a proxy reports on its admin port, undefined while it does not answer. */
async function reportedState(adminPort: number, name: string): Promise<SwitchState | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${adminPort}/metrics`, { signal: AbortSignal.timeout(2000) });
    const m = STATE_LINE(name).exec(await res.text());
    return m ? (m[1] === '1' ? 'on' : 'off') : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Resolves once every watcher declaring `name` reports `state` (polled every 50 ms, bounded by
 * `timeoutMs`); returns how many proxies that was. A proxy's watcher polls the file every
 * `reload.pollIntervalMs` (250 ms in a local mesh), so a flip normally lands within half a second.
 */
export async function waitApplied(watchers: readonly SwitchWatcher[], name: string, state: SwitchState, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let pending = watchers.filter((w) => w.declared.includes(name));
  const count = pending.length;
  while (pending.length > 0) {
    const states = await Promise.all(pending.map((w) => reportedState(w.adminPort, name)));
    pending = pending.filter((_, i) => states[i] !== state);
    if (pending.length === 0) break;
    if (Date.now() > deadline) throw new SwitchNotAppliedError(name, state, timeoutMs, pending.map((w) => w.label));
    await new Promise((r) => setTimeout(r, 50));
  }
  return count;
}
