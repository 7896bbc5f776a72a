/**
 * `npm run bench -- <name> [options]`: runs one benchmark (`synth` or `proxy`) from its folder,
 * passing the options through. See bench/README.md.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const BENCHES = ['synth', 'proxy', 'diff', 'verify'] as const;
const [name, ...options] = process.argv.slice(2);
if (!name || !(BENCHES as readonly string[]).includes(name)) {
  process.stderr.write(`usage: npm run bench -- <${BENCHES.join('|')}> [options]\n`);
  process.exit(2);
}
const run = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, name, 'run.ts'), ...options], { stdio: 'inherit' });
process.exit(run.status ?? 1);
