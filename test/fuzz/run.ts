import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileMesh } from '../../src/synth/compile-config';
import { writeCompiled } from '../../src/synth/synth';
import { readDist } from '../../src/synth/write';
import { apiServerProblems } from './api-rules';
import { baseConfig, build, type FuzzConfig } from './config';
import { MUTATIONS, type Mutation } from './mutations';

/** How a variant ended. Only `rejected` is a pass: every variant is invalid input. */
export type Outcome = 'rejected' | 'rejected-without-location' | 'crash' | 'accepted-invalid-output' | 'accepted-invalid-input' | 'dist-changed';
export const OUTCOMES: readonly Outcome[] = ['rejected', 'rejected-without-location', 'crash', 'accepted-invalid-output', 'accepted-invalid-input', 'dist-changed'];

export interface Variant {
  index: number;
  mutations: Array<{ mutation: Mutation; value: unknown }>;
}

export interface FuzzReport {
  counts: Record<Outcome, number>;
  /** The first few variants of every failing class, for a readable report. */
  examples: Array<{ outcome: Outcome; variant: string; detail: string }>;
}

/** A small deterministic PRNG (mulberry32), so that variant n is the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Variant `index` of the set: the first `Σ pool sizes` variants are every (mutation, value)
 * pair once, in order; later ones pick one to three pairs at random from a seeded generator.
 */
export function variant(index: number, seed = 1): Variant {
  const pairs = MUTATIONS.flatMap((mutation) => mutation.values.map((value) => ({ mutation, value })));
  if (index < pairs.length) return { index, mutations: [pairs[index]!] };
  const next = rng(seed * 1_000_003 + index);
  const n = 1 + Math.floor(next() * 3);
  return { index, mutations: Array.from({ length: n }, () => pairs[Math.floor(next() * pairs.length)]!) };
}

export function describeVariant(v: Variant): string {
  return v.mutations.map(({ mutation, value }) => `${mutation.id}=${printable(value)}`).join(' + ');
}

function printable(value: unknown): string {
  try {
    if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…(${value.length})` : value);
    if (typeof value === 'number' || typeof value === 'undefined' || typeof value === 'symbol') return String(value);
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * Runs variants `from` … `from + count - 1` against a scratch dist/ (seeded from the base
 * mesh) and counts outcomes. The real dist/ is never touched.
 */
export async function runFuzz(options: { count: number; from?: number; seed?: number; indices?: readonly number[]; onProgress?: (done: number) => void }): Promise<FuzzReport> {
  const counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  const examples: FuzzReport['examples'] = [];
  const seen = new Set<string>();
  const distDir = mkdtempSync(join(tmpdir(), 'weft-fuzz-'));
  try {
    const base = await compileMesh(build(baseConfig()));
    const seeded = writeCompiled(base, { distDir });
    if (!seeded.ok) throw new Error(`the fuzzer's base mesh does not compile: ${base.diagnostics.map((d) => `${d.code} ${d.message}`).join('; ')}`);
    const before = readDist(distDir);
    const from = options.from ?? 0;
    const indices = options.indices ?? Array.from({ length: options.count }, (_, k) => from + k);
    for (const [done, i] of indices.entries()) {
      const v = variant(i, options.seed);
      const { outcome, detail } = await runVariant(v, distDir, before);
      counts[outcome]++;
      // One example per failing class and mutation, so that every distinct problem is listed.
      const key = `${outcome} ${v.mutations.map((m) => m.mutation.id).join('+')}`;
      if (outcome !== 'rejected' && !seen.has(key) && examples.length < 200) {
        seen.add(key);
        examples.push({ outcome, variant: describeVariant(v), detail });
      }
      options.onProgress?.(done + 1);
    }
  } finally {
    rmSync(distDir, { recursive: true, force: true });
  }
  return { counts, examples };
}

async function runVariant(v: Variant, distDir: string, before: Map<string, string>): Promise<{ outcome: Outcome; detail: string }> {
  const config: FuzzConfig = baseConfig();
  let compiled;
  try {
    for (const { mutation, value } of v.mutations) mutation.apply(config, value);
    compiled = await compileMesh(build(config));
  } catch (error) {
    return { outcome: 'crash', detail: String((error as Error)?.stack ?? error).split('\n').slice(0, 4).join(' | ') };
  }
  let result;
  try {
    result = writeCompiled(compiled, { distDir });
  } catch (error) {
    return { outcome: 'crash', detail: `while writing: ${String((error as Error)?.stack ?? error).split('\n').slice(0, 4).join(' | ')}` };
  }
  if (result.ok) {
    const problems = [...compiled.files].flatMap(([path, text]) => (path.endsWith('.yaml') ? apiServerProblems(text, path) : []));
    // Restore the scratch dist/ for the next variant.
    writeCompiled({ diagnostics: [], files: before, environments: [] }, { distDir });
    return problems.length
      ? { outcome: 'accepted-invalid-output', detail: problems.slice(0, 3).join('; ') }
      : { outcome: 'accepted-invalid-input', detail: compiled.diagnostics.map((d) => d.code).join(',') || 'no diagnostics' };
  }
  const after = readDist(distDir);
  if (after.size !== before.size || [...after].some(([k, text]) => before.get(k) !== text)) return { outcome: 'dist-changed', detail: '' };
  const errors = compiled.diagnostics.filter((d) => d.severity === 'error');
  const unlocated = errors.filter((d) => !d.code || !d.location || d.location.file === '<unknown>' || !(d.location.line >= 1));
  if (unlocated.length) return { outcome: 'rejected-without-location', detail: unlocated.map((d) => `${d.code} ${d.message}`).slice(0, 2).join('; ') };
  return { outcome: 'rejected', detail: '' };
}

/** The number of distinct (mutation, value) pairs: the set every run starts with. */
export const DISTINCT_VARIANTS = MUTATIONS.reduce((n, m) => n + m.values.length, 0);
