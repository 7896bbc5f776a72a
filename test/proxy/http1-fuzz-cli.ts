/**
 * The full differential fuzz run: `npm run fuzz:http` (FUZZ_HTTP_SAMPLES, default 5000;
 * FUZZ_HTTP_SEED, default 1). Exits 1 and prints each failing sample (seed and bytes) for replay.
 */
import { fuzz } from './http1-fuzz';

const samples = Number(process.env.FUZZ_HTTP_SAMPLES ?? 5000);
const first = Number(process.env.FUZZ_HTTP_SEED ?? 1);
const seeds = Array.from({ length: samples }, (_, i) => first + i);
const r = await fuzz(seeds);
for (const f of r.failures) process.stdout.write(`FAIL seed ${f.seed}: ${JSON.stringify(f.bytes)}\n  llhttp: ${JSON.stringify(f.llhttp)}\n  weft:   ${JSON.stringify(f.weft)}\n`);
process.stdout.write(`${r.samples} samples: ${r.agreed} requests framed identically, ${r.stricter} accepted by llhttp and refused by Weft, ${r.failures.length} failures\n`);
process.exit(r.failures.length === 0 ? 0 : 1);
