import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const location = pathToFileURL(join(__dirname, '../../src/constructs/location.ts')).href;
const scratch = mkdtempSync(join(tmpdir(), 'weft-location-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * Runs `body` as a TypeScript file in a plain Node process through tsx, where
 * `Error.prepareStackTrace` is Node's own default formatter (not a test runner's, as inside
 * vitest), which is how the compile child runs mesh.config.ts.
 */
function inNode(body: string): Record<string, unknown> {
  const file = join(scratch, `config-${Math.random().toString(36).slice(2)}.ts`);
  writeFileSync(file, `import { captureLocation } from ${JSON.stringify(location)};\nprocess.setSourceMapsEnabled(true);\n${body}\n`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', file], { encoding: 'utf8', timeout: 120_000 });
  expect(run.stderr).toBe('');
  return { file, ...JSON.parse(run.stdout) };
}

describe('construct locations under Node’s own stack formatter', () => {
  it('point into the TypeScript source, mapped, and leave the formatter as it was', () => {
    // Type annotations before the call on its line: the generated column differs from the source's.
    const out = inNode(
      [
        'const formatter = Error.prepareStackTrace;',
        'const a: number = 1; const b: Record<string, number> = {}; const where: unknown = captureLocation();',
        'const stack = new Error("after").stack ?? "";',
        'console.log(JSON.stringify({ where, formatter: formatter?.name, restored: Error.prepareStackTrace === formatter, stackLine: /:(\\d+):\\d+\\)?$/m.exec(stack.split("\\n")[1] ?? "")?.[1], a, b }));',
      ].join('\n'),
    );
    expect(out.formatter).toBe('ErrorPrepareStackTrace');
    expect(out.where).toEqual({ file: out.file, line: 4, column: 83 });
    expect(out.restored).toBe(true);
    // Node's formatter still maps stacks through source maps afterwards.
    expect(out.stackLine).toBe('5');
  });
});
