/**
 * CPU time of the precompiled compile child (src/synth/compile-child.mjs) on two or more builds
 * of lib/weft-compiler.cjs, interleaved: the way to tell whether a change to the compiler's
 * start-up helps, on a shared machine where wall times do not hold. Each run forks the child on
 * one bundle, compiles the config (the example by default, compared with dist/) as `weft synth
 * --check` does (no file written) and reads the child's user + sys time (/proc/<pid>/stat) when it reports the
 * result. Each bundle has its own code-cache folder, filled by one run first (not counted), so
 * every counted run starts as a user's second `weft synth` does. Linux only.
 *
 *   node src/cli/build.mjs                 # or: a build of another tree, copied aside
 *   node --import tsx bench/synth/child-cpu.ts --pairs 8 a=/path/one/weft-compiler.cjs b=/path/two/weft-compiler.cjs
 *   node --import tsx bench/synth/child-cpu.ts --config test/.scratch/mesh-1000.config.ts a=… b=…
 *
 * A bundle may be followed by `,NAME:value` environment settings for its child.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ChildMessage } from '../../src/synth/isolate';

const ROOT = resolve(import.meta.dirname, '../..');
const CHILD = join(ROOT, 'src/synth/compile-child.mjs');
const { values, positionals } = parseArgs({ allowPositionals: true, options: { pairs: { type: 'string', default: '8' }, config: { type: 'string' } } });
const config = resolve(values.config ?? join(ROOT, 'mesh.config.ts'));
const scratch = mkdtempSync(join(tmpdir(), 'weft-bench-child-cpu-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

interface Variant {
  name: string;
  bundle: string;
  env: Record<string, string>;
  cpu: number[];
}

const variants: Variant[] = positionals.map((spec) => {
  const [name, rest = ''] = spec.split(/=(.*)/s) as [string, string];
  const [bundle, ...settings] = rest.split(',');
  return { name, bundle: resolve(bundle!), env: Object.fromEntries(settings.map((s) => s.split(':') as [string, string])), cpu: [] };
});
if (variants.length < 2) throw new Error('name two or more bundles: a=/path/weft-compiler.cjs b=/path/weft-compiler.cjs');

/** user + sys of a running process, in ms (@see proc(5): fields 14 and 15, in clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function run(v: Variant): Promise<number> {
  return new Promise((done, fail) => {
    const child = fork(CHILD, [v.bundle, join(scratch, `cache-${v.name}`)], { cwd: ROOT, serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env: { ...process.env, ...v.env } });
    let stderr = '';
    let cpu: number | undefined;
    child.stderr!.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('message', (m: ChildMessage) => {
      if (m.phase === 'done') cpu = cpuMs(child.pid!);
    });
    child.on('exit', () => {
      clearTimeout(timer);
      if (cpu === undefined) fail(new Error(`${v.name}: the compile child ended without a result:\n${stderr.slice(-2000)}`));
      else done(cpu);
    });
    child.send({ configPath: config, options: {}, output: { distDir: values.config ? join(scratch, 'dist') : join(ROOT, 'dist'), staging: join(scratch, `staging-${process.hrtime.bigint()}`), dryRun: true } });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const loads = [loadavg()[0]!];
for (const v of variants) await run(v); // fills each bundle's code cache
for (let i = 0; i < Number(values.pairs); i++) {
  for (const v of i % 2 ? [...variants].reverse() : variants) v.cpu.push(await run(v));
  loads.push(loadavg()[0]!);
}
console.log(`compile child CPU (user + sys), ${config}, ${values.pairs} interleaved rounds, 1-minute load ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`);
for (const v of variants) console.log(`${v.name}: median ${median(v.cpu)} ms (${v.cpu.join(', ')}) ${v.bundle}`);
