import { analyze } from '../../src/analyze/index';
import { hasErrors } from '../../src/diagnostics/diagnostic';
import { Reporter } from '../../src/diagnostics/reporter';
import { emitContext } from '../../src/synth/emit-context';
import { codeRegistry } from '../../src/synth/registry';
import { schemaCheck } from '../../src/synth/schema-check';
import { manifestYaml } from '../../src/synth/serialize';
import type { Diagnostic } from '../../src/diagnostics/diagnostic';
import { kubernetesTarget } from '../../src/targets/kubernetes/index';
import { generateMesh } from './mesh';

export interface Stages {
  constructs: number;
  model: number;
  analyze: number;
  emit: number;
  schemaCheck: number;
  serialize: number;
}

/**
 * The whole Weft compile for the Kubernetes target, stage by stage, exactly as `weft synth`
 * runs it: construct tree → model → analyze → environment model → Kubernetes emit → schema
 * check → YAML of every object (keys sorted, `src/synth/serialize.ts`). The YAML stays in
 * memory: nothing is written to disk, so that the figure measures the compiler, not the disk.
 */
export function weftCompile(services: number, onStage: (stage: keyof Stages, ms: number) => void = () => {}): { stages: Stages; objects: number; bytes: number; diagnostics: Diagnostic[] } {
  let t = performance.now();
  const lap = (stage: keyof Stages) => {
    const now = performance.now();
    const d = now - t;
    t = now;
    onStage(stage, d);
    return d;
  };
  const mesh = generateMesh(services);
  const constructs = lap('constructs');
  const built = mesh.toModel();
  if (!built.model) throw new Error(`bench mesh is invalid: ${JSON.stringify(built.diagnostics.slice(0, 3))}`);
  const model = lap('model');
  const diagnostics: Diagnostic[] = [...built.diagnostics, ...analyze(built.model)];
  const analyzeMs = lap('analyze');
  const env = built.model.environments[0]!;
  const reporter = new Reporter(codeRegistry());
  const out = kubernetesTarget.emit(emitContext(built.model, env, reporter.report));
  diagnostics.push(...reporter.diagnostics);
  const emit = lap('emit');
  diagnostics.push(...schemaCheck(out.manifests, env.name).diagnostics);
  const check = lap('schemaCheck');
  let bytes = 0;
  for (const m of out.manifests) bytes += manifestYaml(m).length;
  const serialize = lap('serialize');
  if (hasErrors(diagnostics)) throw new Error(`bench mesh compiles with errors: ${JSON.stringify(diagnostics.filter((d) => d.severity === 'error').slice(0, 3))}`);
  return { stages: { constructs, model, analyze: analyzeMs, emit, schemaCheck: check, serialize }, objects: out.manifests.length, bytes, diagnostics };
}
