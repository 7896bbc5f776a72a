import { join } from 'node:path';
import { repoRoot, weft } from '../e2e/helpers';

export const precompiledFixture = (name: string) => join(repoRoot, 'test/fixtures/precompiled', name);

export interface SynthRun {
  status: number | null;
  json: { ok: boolean; diagnostics: Array<{ code: string; message: string; location?: { file: string; line: number; column: number } }> };
  /** The kind of compile child of each exchange (`WEFT_SYNTH_STAGES=1`). */
  children: string[];
  stderr: string;
}

/** `weft synth --json` through the real CLI, with the compile children it used. */
export function synthRun(config: string, out: string, extra: string[] = []): SynthRun {
  const r = weft(['synth', '--config', config, '--out', out, '--json', ...extra], repoRoot, { WEFT_SYNTH_STAGES: '1' });
  const children = r.stderr
    .split('\n')
    .filter((l) => l.startsWith('weft-stages {"child"'))
    .map((l) => (JSON.parse(l.slice('weft-stages '.length)) as { child: string }).child);
  return { status: r.status, json: JSON.parse(r.stdout) as SynthRun['json'], children, stderr: r.stderr };
}
