import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { expect } from 'vitest';
import { Mesh, type MeshProps } from '../../../src/index';
import type { Diagnostic } from '../../../src/diagnostics/diagnostic';
import { Reporter } from '../../../src/diagnostics/reporter';
import { emitContext } from '../../../src/synth/emit-context';
import { codeRegistry } from '../../../src/synth/registry';
import { jsonFileText } from '../../../src/synth/stable-json';
import type { MeshModel } from '../../../src/model/mesh';
import { parseProxyConfigText } from '../../../src/proxy/config/load';
import type { ProxyConfigInput } from '../../../src/proxy/config/schema';
import type { EmitContext, TargetOutput } from '../../../src/targets/target';
import { weftTarget } from '../../../src/targets/weft/index';
import { manifestPath, manifestYaml } from '../../../src/synth/serialize';

const GOLDEN_DIR = join(__dirname, 'golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

/**
 * A mesh for the weft target with security switched off (mTLS `disable`, `allow-all`), so that
 * a scenario's diagnostics are about the scenario; the security scenario switches it back on.
 */
export function weftMesh(props: Partial<MeshProps> = {}): Mesh {
  return new Mesh('shop', {
    environments: { dev: { mesh: 'weft' } },
    security: { mtls: 'disable', authorization: 'allow-all' },
    ...props,
  });
}

export interface Emitted {
  model: MeshModel;
  ctx: EmitContext;
  output: TargetOutput;
  diagnostics: Diagnostic[];
  /** The parsed config file of a workload (`<namespace>/<workload>`). */
  config(workload: string): ProxyConfigInput;
  routes(workload: string): NonNullable<ProxyConfigInput['routes']>;
  route(workload: string, name: string): NonNullable<ProxyConfigInput['routes']>[number];
  service(workload: string, name: string): NonNullable<ProxyConfigInput['services']>[number];
  codes(): string[];
}

/**
 * Runs the weft target on a mesh's weft environment, and checks that the proxy's own loader
 * (ajv + zod + cross-reference checks) accepts every emitted config — in every test.
 */
export function emit(mesh: Mesh, envName?: string): Emitted {
  return emitModel(modelOf(mesh), envName);
}

/** The model of a mesh; fails the test when the constructs reported invalid props. */
export function modelOf(mesh: Mesh): MeshModel {
  const { model, diagnostics } = mesh.toModel();
  expect(diagnostics).toEqual([]);
  expect(model).toBeDefined();
  return model!;
}

/** Like `emit`, for a model a test has adjusted (shapes the constructs do not produce). */
export function emitModel(model: MeshModel, envName?: string): Emitted {
  const env = envName ? model.environments.find((e) => e.name === envName)! : model.environments.find((e) => e.mesh === 'weft')!;
  const reporter = new Reporter(codeRegistry());
  const ctx: EmitContext = emitContext(model, env, reporter.report);
  const envModel = ctx.model;
  const diagnostics = reporter.diagnostics as Diagnostic[];
  const output = weftTarget.emit(ctx);
  for (const f of output.files ?? []) expect(() => parseProxyConfigText(jsonFileText(f.json), f.path), f.path).not.toThrow();
  const config = (workload: string): ProxyConfigInput => {
    const file = (output.files ?? []).find((f) => f.path === `${workload}.json`);
    expect(file, `no config for ${workload}; have ${(output.files ?? []).map((f) => f.path).join(', ')}`).toBeDefined();
    return JSON.parse(jsonFileText(file!.json)) as ProxyConfigInput;
  };
  const routes = (w: string) => config(w).routes ?? [];
  return {
    model: envModel,
    ctx,
    output,
    diagnostics,
    config,
    routes,
    route: (w, name) => {
      const r = routes(w).find((x) => x.name === name);
      expect(r, `no route ${name} in ${w}; have ${routes(w).map((x) => x.name).join(', ')}`).toBeDefined();
      return r!;
    },
    service: (w, name) => {
      const s = (config(w).services ?? []).find((x) => x.name === name);
      expect(s, `no service ${name} in ${w}`).toBeDefined();
      return s!;
    },
    codes: () => diagnostics.map((d) => d.code),
  };
}

/** The output as files: configs as written, manifests as synth writes them, diagnostics one per line. */
function render(e: Emitted, withManifests: boolean): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of e.output.files ?? []) out.set(f.path, jsonFileText(f.json));
  if (withManifests) for (const m of e.output.manifests) out.set(manifestPath('dev', 'weft', m).replace(/^dev\/weft\//, ''), manifestYaml(m));
  out.set(
    'diagnostics.txt',
    e.diagnostics.map((d) => `${d.code} ${d.severity} ${d.path}: ${d.message}\n  hint: ${d.hint}\n`).join(''),
  );
  return out;
}

function readTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p, 'utf8'));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

/**
 * Compares the output with test/targets/weft/golden/<scenario>/; `UPDATE_GOLDEN=1` rewrites it.
 * Every file must match byte for byte, and no file may be missing or extra.
 */
export function expectGolden(scenario: string, e: Emitted, options: { manifests?: boolean } = {}): void {
  const dir = join(GOLDEN_DIR, scenario);
  const actual = render(e, options.manifests ?? false);
  if (UPDATE) {
    rmSync(dir, { recursive: true, force: true });
    for (const [path, content] of actual) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
    return;
  }
  const expected = readTree(dir);
  expect([...actual.keys()].sort(), `files of golden ${scenario} (run with UPDATE_GOLDEN=1 to regenerate)`).toEqual([...expected.keys()].sort());
  for (const [path, content] of actual) expect(content, `golden ${scenario}/${path}`).toBe(expected.get(path));
}
