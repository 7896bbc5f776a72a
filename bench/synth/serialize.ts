/**
 * Ways of turning the emitted Kubernetes objects into YAML with the `yaml` package, timed on the
 * generated mesh, each checked byte for byte against `manifestYaml` (src/synth/serialize.ts).
 * `--targets all` takes every target's objects (as `weft synth` writes them); `--variants`
 * picks the ways to time. The first round of the first variant is the cold one (empty memos,
 * code not yet optimized): what one `weft synth` pays.
 *
 *   node --import tsx bench/synth/serialize.ts --services 1000 [--rounds 3] [--targets all] [--variants current]
 */
import { parseArgs } from 'node:util';
import { Document, Pair, Scalar, YAMLMap, YAMLSeq, stringify } from 'yaml';
import { withModelMemo } from '../../src/model/memo';
import { emitContext } from '../../src/synth/emit-context';
import { GENERATED_HEADER, documentYaml, manifestYaml, referenceYaml } from '../../src/synth/serialize';
import { TARGETS } from '../../src/targets/index';
import { kubernetesTarget } from '../../src/targets/kubernetes/index';
import type { Manifest } from '../../src/targets/target';
import { generateMesh } from './mesh';

const { values } = parseArgs({
  options: {
    services: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '3' },
    targets: { type: 'string', default: 'kubernetes' },
    variants: { type: 'string', default: 'seed,current,onePass,docDirect,astDirect' },
  },
});
const model = generateMesh(Number(values.services)).toModel().model!;
const env = model.environments[0]!;
const manifests: Manifest[] = [];
withModelMemo(() => {
  const targets = values.targets === 'all' ? TARGETS.filter((t) => t.appliesTo(env)) : [kubernetesTarget];
  for (const target of targets) manifests.push(...target.emit(emitContext(model, env, () => {}, { targets: TARGETS })).manifests);
});

/** The seed implementation: `stringify` of a sorted copy, plus YAML 1.1 quoting (`referenceYaml`). */
const seed = (m: Manifest) => GENERATED_HEADER + referenceYaml(m);

/** Keys in the order the seed's sorted copy has them: integer keys first (JS object order), then sorted. */
function orderedKeys(o: object): string[] {
  const keys = Object.keys(o);
  let ints = 0;
  while (ints < keys.length && /^(0|[1-9]\d*)$/.test(keys[ints]!) && Number(keys[ints]) < 4294967295) ints++;
  return ints === 0 ? keys.sort() : [...keys.slice(0, ints), ...keys.slice(ints).sort()];
}
function prepared(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(prepared);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of orderedKeys(value)) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = prepared(v);
    }
    return out;
  }
  return value;
}
const onePass = (m: Manifest) => GENERATED_HEADER + stringify(prepared(m), { lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false });
const docDirect = (m: Manifest) => GENERATED_HEADER + new Document(prepared(m), { aliasDuplicateObjects: false }).toString({ lineWidth: 0, minContentWidth: 0, directives: false });

function node(value: unknown): unknown {
  if (Array.isArray(value)) {
    const seq = new YAMLSeq();
    for (const v of value) seq.items.push(node(v));
    return seq;
  }
  if (value && typeof value === 'object') {
    const map = new YAMLMap();
    for (const k of orderedKeys(value)) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) map.items.push(new Pair(new Scalar(k), node(v)));
    }
    return map;
  }
  return new Scalar(value);
}
const shared = new Document(null);
const astDirect = (m: Manifest) => {
  shared.contents = node(m) as never;
  return GENERATED_HEADER + shared.toString({ lineWidth: 0, minContentWidth: 0, directives: false });
};
const variants: Record<string, (m: Manifest) => string> = { seed, current: manifestYaml, onePass, docDirect, astDirect };
const rounds = Number(values.rounds);
// Each text is written into a buffer as UTF-8, as writing a file does: a text built as a rope
// is flattened there, so each way pays for that inside its timing.
const sink = Buffer.alloc(64 << 20);
const outputs = new Map<string, string[]>();
for (const name of values.variants.split(',')) {
  const fn = variants[name];
  if (!fn) throw new Error(`unknown variant ${name}; known: ${Object.keys(variants).join(', ')}`);
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t = process.cpuUsage();
    const out = manifests.map((m) => {
      const text = fn(m);
      sink.write(text);
      return text;
    });
    const used = process.cpuUsage(t);
    times.push((used.user + used.system) / 1000);
    if (r === 0) outputs.set(name, out);
  }
  const first = times[0]!;
  times.sort((a, b) => a - b);
  console.log(`${name.padEnd(12)} CPU first round ${first.toFixed(0).padStart(6)} ms, median ${times[Math.floor(times.length / 2)]!.toFixed(0).padStart(6)} ms for ${manifests.length} objects`);
}
const expected = manifests.map(seed);
for (const [name, out] of outputs) console.log(`${name.padEnd(12)} ${out.every((s, i) => s === expected[i]) ? 'identical' : 'DIFFERENT'} to the seed`);

// Random documents with awkward scalars: the fast path must give stringify's bytes or step aside.
let state = 12345;
const rnd = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const STRINGS = ['', ' ', 'a', 'true', 'False', 'null', '~', '123', '0x1F', '1e3', '.5', '-', '- a', '-Xmx1g', '? x', ':', 'a: b', 'a:b', 'a #b', '#x', '&a', '*a', '!t', '|', '>', "'q'", '"q"', `it's`, 'say "hi"', 'both \' and "', '%x', '---', '--- a', '...', 'a\nb', 'a\n', '\tx', 'x\t', 'tab\there', '@a', '`a', '{a}', '[a]', 'a,b', 'ü', '😀', 'a\u0007b', 'key with spaces', '  lead', 'trail  ', '8080', '0', '01', '+1', '1.0', 'NaN', '.inf', 'y', 'no', 'on', 'x'.repeat(1100), 'app.kubernetes.io/name', 'https://x.example.com/a?b=c#d', 'registry:5000/app:1.0', 'a: ', 'a :b', 'a\r\nb', '\nlead', ' lead\nx', 'a\n\nb', 'a\n\n', 'a \nb', 'x\n---\ny', '# c\nd', '\n', '\n\n', 'a\n  b', '- a\n- b', 'k: v\nk2: v2', '  \n', 'a\rb', '%x\ny', '...\nz', '{\n  "a": 1\n}\n', 'tab\n\tx', 'ü\n😀', 'a\u2028b\nc', 'a\u0085\nb', '\ufeffa\nb', 'a\t\nb', '\t\n'];
const NUMBERS = [0, -0, 1, -1, 1.5, 1e21, 1e-7, 123456789012, Number.NaN, Number.POSITIVE_INFINITY, 0.1 + 0.2];
function randomValue(depth: number): unknown {
  const r = rnd();
  if (depth > 3 || r < 0.4) return pick<unknown>([...STRINGS, ...NUMBERS, true, false, null, undefined]);
  if (r < 0.7) return Array.from({ length: Math.floor(rnd() * 4) }, () => randomValue(depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = Math.floor(rnd() * 5); i > 0; i--) o[pick([...STRINGS, 'b', 'a', 'c', '10', '9', '2'])] = randomValue(depth + 1);
  return o;
}
let fuzzed = 0;
let fast = 0;
for (let i = 0; i < 20000; i++) {
  const doc = { apiVersion: 'v1', kind: 'X', metadata: { name: `n${i}` }, spec: randomValue(0) } as unknown as Manifest;
  const want = seed(doc);
  const got = manifestYaml(doc);
  fuzzed++;
  if (documentYaml(doc) !== undefined) fast++;
  if (got !== want) {
    console.log('FUZZ MISMATCH', JSON.stringify(doc), '\n--- want\n' + want + '--- got\n' + got);
    process.exitCode = 1;
    break;
  }
}
console.log(`fuzz: ${fuzzed} random documents, ${fast} on the fast path, all identical: ${process.exitCode ? 'no' : 'yes'}`);
