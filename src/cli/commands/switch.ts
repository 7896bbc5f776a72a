/**
 * `weft switch <name> on|off`: flips a degradation switch (docs/degradation.md). The weft proxies
 * read switch states from a small JSON file, `{"switches": {"<name>": "on"|"off"}}`, mounted from
 * the namespace's ConfigMap `weft-switches` and watched like their config, so a flip needs no
 * redeploy and no config reload.
 *
 * - `--local`: flips the switch in the local mesh that `weft up` runs (src/local/run-record.ts
 *   finds it) and waits until every proxy reports the new state on its admin port.
 * - `--file F`: edits that file in place (a mounted copy), atomically (write a sibling,
 *   rename), keeping the other switches' states.
 * - `--env E` (default: the only weft environment in dist/): prints, per namespace, the `kubectl
 *   patch` of the ConfigMap that synth wrote to dist/E/weft/<namespace>/configmap-weft-switches.yaml.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { flipSwitchFile, switchesFileText, waitApplied, writeSwitchesFile } from '../../local/switches';
import { findRunningMesh } from '../../local/run-record';
import { LocalMeshError } from '../../local/errors';
import type { Command } from '../command';
import { ExitCode } from '../command';

const USAGE = `usage: weft switch <name> on|off [--local | --file F] [--env E] [--dist DIR]

Flips a degradation switch (docs/degradation.md).
  --local    flip it in the local mesh \`weft up\` runs (of --env E, default: the only one running)
             and wait until every proxy reports the new state
  --file F   edit the switches file F in place (what the weft proxies watch)
  --env E    without --local/--file: print the kubectl patch of each namespace's ConfigMap
             weft-switches for environment E (default: the only environment with a weft/ folder in dist/)
  --dist DIR where synth wrote its output (default: dist)
`;

type States = Record<string, 'on' | 'off'>;

/** How long `--local` waits for every proxy to report the flip. */
const LOCAL_APPLY_TIMEOUT_MS = 30_000;

function statesOf(text: string, where: string): States {
  const doc = JSON.parse(text) as { switches?: unknown };
  const s = doc?.switches;
  if (typeof s !== 'object' || s === null || Array.isArray(s) || Object.values(s).some((v) => v !== 'on' && v !== 'off')) throw new Error(`${where}: expected {"switches": {"<name>": "on"|"off"}}`);
  return s as States;
}

/** Sets the switch in `file`, keeping the others; a missing file is created with this one switch. */
function flipFile(file: string, name: string, state: 'on' | 'off'): void {
  if (existsSync(file)) flipSwitchFile(file, name, state);
  else writeSwitchesFile(file, { [name]: state });
}

/** Flips the switch in the running local mesh and waits until every proxy declaring it reports it. */
async function flipLocal(env: string | undefined, name: string, state: 'on' | 'off'): Promise<string> {
  const mesh = findRunningMesh(env);
  if (!mesh.switchesFile) throw new LocalMeshError('WEFT_LOCAL_NO_SWITCHES', `the local mesh of "${mesh.env}" declares no switch`);
  const started = performance.now();
  flipSwitchFile(mesh.switchesFile, name, state);
  const proxies = await waitApplied(mesh.watchers, name, state, LOCAL_APPLY_TIMEOUT_MS);
  return `switch "${name}" is ${state} in the local mesh of "${mesh.env}": ${proxies} proxies report it (${Math.round(performance.now() - started)} ms)`;
}

function patches(dist: string, env: string | undefined, name: string, state: 'on' | 'off'): string[] {
  const envs = env !== undefined ? [env] : existsSync(dist) ? readdirSync(dist).filter((e) => existsSync(join(dist, e, 'weft'))) : [];
  if (envs.length !== 1) throw new Error(env === undefined ? `name the environment with --env (weft environments in ${dist}: ${envs.join(', ') || 'none'})` : `no environment "${env}"`);
  const weft = join(dist, envs[0]!, 'weft');
  if (!existsSync(weft)) throw new Error(`${join(dist, envs[0]!)} has no weft/ folder: switches flip at runtime only in weft environments (elsewhere change mesh.config.ts)`);
  const out: string[] = [];
  for (const ns of readdirSync(weft).sort()) {
    const path = join(weft, ns, 'configmap-weft-switches.yaml');
    if (!existsSync(path)) continue;
    const cm = parse(readFileSync(path, 'utf8')) as { data: Record<string, string> };
    const states = statesOf(cm.data['switches.json'] ?? '', path);
    if (!(name in states)) throw new Error(`switch "${name}" is not declared (declared: ${Object.keys(states).join(', ')})`);
    states[name] = state;
    out.push(`kubectl -n ${ns} patch configmap weft-switches --type merge -p '${JSON.stringify({ data: { 'switches.json': switchesFileText(states) } })}'`);
  }
  if (out.length === 0) throw new Error(`${weft} has no switches: declare one with mesh.switch() and run npm run synth`);
  return out;
}

export const command: Command = {
  name: 'switch',
  summary: 'flip a degradation switch at runtime (weft mesh)',
  usage: USAGE,
  async run(args) {
    const positional: string[] = [];
    const opts: Record<string, string> = {};
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a === '--file' || a === '--env' || a === '--dist') {
        const v = args[++i];
        if (v === undefined) return usage(`${a} needs a value`);
        opts[a.slice(2)] = v;
      } else if (a === '--local') opts.local = 'true';
      else if (a.startsWith('--')) return usage(`unknown option ${a}`);
      else positional.push(a);
    }
    const [name, state] = positional;
    if (positional.length !== 2 || (state !== 'on' && state !== 'off')) return usage('expected <name> on|off');
    if (opts.local !== undefined && opts.file !== undefined) return usage('--local and --file exclude each other');
    try {
      if (opts.local !== undefined) process.stdout.write(`${await flipLocal(opts.env, name!, state)}\n`);
      else if (opts.file !== undefined) {
        flipFile(opts.file, name!, state);
        process.stdout.write(`switch "${name}" is ${state} in ${opts.file}; proxies watching it apply it within their poll interval\n`);
      } else {
        for (const line of patches(opts.dist ?? 'dist', opts.env, name!, state)) process.stdout.write(`${line}\n`);
      }
      return ExitCode.ok;
    } catch (error) {
      process.stderr.write(`weft switch: ${error instanceof LocalMeshError ? `${error.code}: ` : ''}${(error as Error).message}\n`);
      return ExitCode.userError;
    }
  },
};

function usage(problem: string): number {
  process.stderr.write(`weft switch: ${problem}\n${USAGE}`);
  return ExitCode.usage;
}
