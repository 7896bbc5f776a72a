/**
 * Degradation switches: named on/off states that the proxy reads per request. Their defaults
 * come with the config (`switches.declared`); the current states come from a separate small
 * file (`switches.file`, a ConfigMap volume edited by `weft switch`), watched like the config
 * itself (reload.ts) but applied without a config reload: flipping a switch changes no route,
 * no connection and no breaker state, only which answer a degraded route gives.
 *
 * File format: `{"switches": {"<name>": "on" | "off"}}`. A name the config does not declare is
 * ignored (logged once per change); an unreadable or invalid file keeps the last good states.
 */
import { readFileSync } from 'node:fs';
import type { SwitchesConfig } from './config/degradation-schema';
import type { Logger } from './log';
import { hashConfig } from './config/load';
import { ConfigWatcher } from './reload';

export type SwitchStates = Record<string, 'on' | 'off'>;

/** Parses the switches file; throws a message on anything but the documented shape. */
export function parseSwitchStates(text: string): SwitchStates {
  const doc = JSON.parse(text) as unknown;
  const states = (doc as { switches?: unknown })?.switches;
  if (typeof states !== 'object' || states === null || Array.isArray(states)) throw new Error('expected {"switches": {"<name>": "on"|"off"}}');
  for (const [name, v] of Object.entries(states)) if (v !== 'on' && v !== 'off') throw new Error(`switch "${name}": expected "on" or "off"`);
  return states as SwitchStates;
}

export class SwitchBoard {
  private defaults = new Map<string, boolean>();
  private states: SwitchStates = {};
  private watcher: ConfigWatcher | null = null;
  private file: string | undefined;
  /** Applied file changes (weft_proxy_switch_updates_total). */
  updates = 0;

  constructor(private readonly logger: Logger) {}

  /** Applies a (re)loaded config's declarations; (re)starts watching when the file changed. */
  configure(config: SwitchesConfig, pollIntervalMs: number): void {
    this.defaults = new Map(config.declared.map((s) => [s.name, s.default === 'on']));
    if (config.file === this.file) return;
    this.stop();
    this.file = config.file;
    this.states = {};
    if (!config.file) return;
    let hash = '';
    try {
      const text = readFileSync(config.file, 'utf8');
      hash = hashConfig(text);
      this.apply(text);
    } catch (error) {
      this.logger.log('warn', 'switches file not read; declared defaults apply', { file: config.file, error: (error as Error).message });
    }
    this.watcher = new ConfigWatcher(config.file, pollIntervalMs, hash, async (text) => this.apply(text));
    this.watcher.start();
  }

  private apply(text: string): void {
    try {
      const next = parseSwitchStates(text);
      const unknown = Object.keys(next).filter((n) => !this.defaults.has(n));
      if (unknown.length > 0) this.logger.log('warn', 'switches file names undeclared switches; ignored', { unknown });
      this.states = next;
      this.updates++;
      this.logger.log('info', 'switches applied', { states: this.snapshot() });
    } catch (error) {
      this.logger.log('error', 'switches file rejected; the last good states stay', { file: this.file, error: (error as Error).message });
    }
  }

  isOn(name: string): boolean {
    const s = this.states[name];
    return s === undefined ? (this.defaults.get(name) ?? false) : s === 'on';
  }

  /** Every declared switch with its current state. */
  snapshot(): Record<string, boolean> {
    return Object.fromEntries([...this.defaults.keys()].sort().map((n) => [n, this.isOn(n)]));
  }

  stop(): void {
    this.watcher?.stop();
    this.watcher = null;
  }
}
