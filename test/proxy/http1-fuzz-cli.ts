/**
 * The full differential fuzz run: `npm run fuzz:http` (FUZZ_HTTP_SAMPLES, default 5000 of each;
 * FUZZ_HTTP_SEED, default 1): requests (http1-fuzz.ts) and responses (http1-response-fuzz.ts)
 * against llhttp. Exits 1 and prints each failing sample (seed and bytes) for replay.
 */
import { fuzz } from './http1-fuzz';
import { fuzzResponses } from './http1-response-fuzz';

const samples = Number(process.env.FUZZ_HTTP_SAMPLES ?? 5000);
const first = Number(process.env.FUZZ_HTTP_SEED ?? 1);
const seeds = Array.from({ length: samples }, (_, i) => first + i);
const r = await fuzz(seeds);
for (const f of r.failures) process.stdout.write(`FAIL request seed ${f.seed}: ${JSON.stringify(f.bytes)}\n  llhttp: ${JSON.stringify(f.llhttp)}\n  weft:   ${JSON.stringify(f.weft)}\n`);
process.stdout.write(`requests: ${r.samples} samples: ${r.agreed} requests framed identically, ${r.stricter} accepted by llhttp and refused by Weft, ${r.failures.length} failures\n`);
const s = await fuzzResponses(seeds);
for (const f of s.failures) process.stdout.write(`FAIL response seed ${f.seed}: ${JSON.stringify(f.bytes)}\n  llhttp: ${JSON.stringify(f.llhttp)}\n  weft:   ${JSON.stringify(f.weft)}\n`);
process.stdout.write(`responses: ${s.samples} samples: ${s.agreed} read identically, ${s.refused} refused by both, ${s.stricter} read by llhttp and refused by Weft, ${s.failures.length} failures\n`);
process.exit(r.failures.length === 0 && s.failures.length === 0 ? 0 : 1);
