import { Reporter } from '../../src/diagnostics/reporter';
import { withModelMemo } from '../../src/model/memo';
import { emitContext } from '../../src/synth/emit-context';
import { codeRegistry } from '../../src/synth/registry';
import { consulTarget } from '../../src/targets/consul/index';
import { kubernetesTarget } from '../../src/targets/kubernetes/index';
import type { Target } from '../../src/targets/target';
import { generateMesh } from './mesh';

/**
 * The consul target's emit against the Kubernetes target's, on the same generated mesh
 * (`bench/synth/mesh.ts`) compiled for a consul environment, in one process and interleaved, so
 * that the Kubernetes figure is the anchor of the run:
 * `node --import tsx bench/synth/consul.ts [services…]` (default 1000 4000). Each figure is the
 * median of 3 emits of one model; the consul emit includes its config entries, VM service
 * definitions and the checks against Weft's own schemas (src/targets/consul/schemas).
 */
const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
for (const services of sizes.length ? sizes : [1000, 4000]) {
  const { model } = generateMesh(services).toModel();
  const env = { ...model!.environments[0]!, name: 'consul', mesh: 'consul' as const };
  const time = (target: Target) => {
    const reporter = new Reporter(codeRegistry());
    const ctx = emitContext(model!, env, reporter.report);
    const t = performance.now();
    // Synth emits inside one model memo (src/synth/compile.ts); so does the bench.
    const out = withModelMemo(() => target.emit(ctx));
    return { ms: performance.now() - t, outputs: out.manifests.length + (out.files?.length ?? 0) };
  };
  const runs = { kubernetes: [] as { ms: number; outputs: number }[], consul: [] as { ms: number; outputs: number }[] };
  for (let i = 0; i < 3; i++) {
    runs.kubernetes.push(time(kubernetesTarget));
    runs.consul.push(time(consulTarget));
  }
  for (const name of ['kubernetes', 'consul'] as const) {
    const ms = runs[name].map((r) => r.ms).sort((a, b) => a - b)[1]!;
    console.log(`| ${name} | ${services} | ${runs[name][0]!.outputs} | ${ms.toFixed(0)} ms | ${((ms / services) * 1000).toFixed(0)} µs |`);
  }
}
