import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const depcruise = join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

interface Violation {
  from: string;
  to: string;
  rule: { name: string; severity: string };
}

/** Runs dependency-cruiser with the repository's rules (.dependency-cruiser.cjs) on `dir`/src. */
function cruise(dir: string): Violation[] {
  const run = spawnSync(process.execPath, [depcruise, 'src', '--config', join(root, '.dependency-cruiser.cjs'), '--output-type', 'json'], {
    cwd: dir,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: 180_000,
  });
  expect(run.error, run.stderr).toBeUndefined();
  const result = JSON.parse(run.stdout) as { summary: { violations: Violation[]; totalCruised: number } };
  expect(result.summary.totalCruised).toBeGreaterThan(0);
  return result.summary.violations;
}

const describeViolations = (vs: readonly Violation[]) => vs.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).join('\n');

describe('layering (docs/architecture.md, .dependency-cruiser.cjs)', () => {
  it('holds for the source tree', () => {
    const violations = cruise(root);
    expect(violations, describeViolations(violations)).toEqual([]);
  }, 240_000);

  describe('fails on a deliberately bad import', () => {
    const fixture = mkdtempSync(join(tmpdir(), 'weft-layers-'));
    afterAll(() => rmSync(fixture, { recursive: true, force: true }));
    const write = (path: string, text: string) => {
      mkdirSync(dirname(join(fixture, path)), { recursive: true });
      writeFileSync(join(fixture, path), text);
    };
    cpSync(join(root, 'tsconfig.json'), join(fixture, 'tsconfig.json'));
    // A small tree laid out as Weft's, every import allowed.
    write('src/diagnostics/diagnostic.ts', 'export interface Diagnostic { code: string }\n');
    write('src/model/mesh.ts', "import type { Diagnostic } from '../diagnostics/diagnostic';\nexport type MeshModel = { d?: Diagnostic };\n");
    write('src/proxy/config/schema.ts', 'export const proxyConfigSchema = {};\n');
    write('src/proxy/server/listener.ts', "import { proxyConfigSchema } from '../config/schema';\nexport const listener = proxyConfigSchema;\n");
    write('src/targets/target.ts', "import type { MeshModel } from '../model/mesh';\nexport interface Target { emit(m: MeshModel): unknown }\n");
    write('src/targets/istio/index.ts', "import type { Target } from '../target';\nexport const istio = {} as Target;\n");
    write('src/targets/weft/index.ts', "import type { Target } from '../target';\nimport { proxyConfigSchema } from '../../proxy/config/schema';\nexport const weft = { proxyConfigSchema } as unknown as Target;\n");
    write('src/analyze/index.ts', "import type { MeshModel } from '../model/mesh';\nexport const analyze = (m: MeshModel) => m;\n");
    write('src/synth/compile.ts', "import { analyze } from '../analyze/index';\nimport { istio } from '../targets/istio/index';\nimport { weft } from '../targets/weft/index';\nexport const all = [analyze, istio, weft];\n");

    it('the clean fixture passes', () => {
      expect(cruise(fixture)).toEqual([]);
    }, 120_000);

    const cases: Array<[string, string, string, string]> = [
      ['the analyzer imports a target', 'src/analyze/bad.ts', "import { istio } from '../targets/istio/index';\nexport const bad = istio;\n", 'analyze-imports-no-target'],
      ['a target imports another target', 'src/targets/istio/bad.ts', "import { weft } from '../weft/index';\nexport const bad = weft;\n", 'no-target-imports-another-target'],
      ['the proxy imports the model', 'src/proxy/server/bad.ts', "import type { MeshModel } from '../../model/mesh';\nexport type Bad = MeshModel;\n", 'proxy-imports-nothing-from-the-compiler'],
      ['the weft target imports the proxy runtime', 'src/targets/weft/bad.ts', "import { listener } from '../../proxy/server/listener';\nexport const bad = listener;\n", 'only-the-weft-target-may-import-the-proxy-runtime'],
      ['the model imports a lower layer upside down', 'src/model/bad.ts', "import { analyze } from '../analyze/index';\nexport const bad = analyze;\n", 'model-imports-only-diagnostics'],
    ];
    it('each bad import is reported by its rule, as an error', () => {
      for (const [, path, text] of cases) write(path, text);
      try {
        const violations = cruise(fixture);
        for (const [what, path, , rule] of cases) expect(violations.map((v) => [v.rule.name, v.from]), what).toContainEqual([rule, path]);
        expect(violations.every((v) => v.rule.severity === 'error')).toBe(true);
      } finally {
        for (const [, path] of cases) rmSync(join(fixture, path));
      }
    }, 120_000);
  });
});
