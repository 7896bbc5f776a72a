import { ApiObject, App, Chart } from 'cdk8s';
import type { EmitContext, Manifest, TargetOutput } from '../target';
import { emitNamespaces } from './namespace';
import { emitServiceAccounts } from './service-account';
import { emitConfigMap } from './config-map';
import { emitDeployment } from './deployment';
import { emitService } from './service';
import { emitAutoscaler } from './autoscaler';
import { emitDisruptionBudget } from './disruption-budget';
import { emitNetworkPolicies } from './network-policy';
import { WorkloadWirings, type WiringSource } from './wiring';
import { workloadName } from '../naming';
import { PlainObject } from './plain-object';

/**
 * The Kubernetes objects of one environment, in a cdk8s chart in memory. Every object is a
 * `PlainObject` (plain-object.ts): the data cdk8s-plus's constructs used to render, written
 * directly, because rendering 9 objects per service through cdk8s (resolve, sanitize, typed L1
 * conversion, the L2 constructs themselves) was 30–45% of the whole compile at 1,000
 * services (docs/performance.md, "Synth"). The chart keeps the objects' order (construct
 * pre-order, as `chart.toJson()` gave it) and cdk8s's construct validation; the golden files
 * under test/targets/kubernetes pin the bytes, and Weft checks what it writes with its own
 * schema check.
 */
export function emitKubernetes(ctx: EmitContext, wiringSource: WiringSource): TargetOutput {
  const app = new App({ outdir: '/dev/null' });
  // Names come from the model; never let cdk8s append a hash to one.
  const chart = new Chart(app, ctx.env.name, { disableResourceNameHashes: true });
  const wirings = new WorkloadWirings(ctx, wiringSource);
  const finishers = new Map<string, (m: Manifest) => void>();

  emitNamespaces(chart, ctx, wirings);
  emitServiceAccounts(chart, ctx);
  for (const service of ctx.model.services) {
    const configMap = emitConfigMap(chart, ctx, service);
    const first = service.versions[0];
    for (const version of service.versions) {
      const { deployment, finish } = emitDeployment(chart, ctx, service, version, wirings.of(service, version), configMap);
      finishers.set(`Deployment/${service.namespace}/${workloadName(service, version)}`, finish);
      emitAutoscaler(chart, ctx, service, version, deployment);
    }
    emitService(chart, ctx, service, first ? wirings.of(service, first) : {});
    emitDisruptionBudget(chart, ctx, service);
  }
  emitNetworkPolicies(chart, ctx, wirings);

  const manifests = synthChart(app, chart);
  for (const m of manifests) {
    stripCdk8sLabels(m);
    finishers.get(`${m.kind}/${m.metadata.namespace}/${m.metadata.name}`)?.(m);
  }
  return { manifests };
}

/**
 * The chart's objects in the order `chart.toJson()` would return them, without its app-wide passes.
 * `chart.toJson()` (cdk8s `App._synthChart`) turns construct dependencies into object
 * dependencies, validates every construct, orders the objects topologically by dependency
 * (`DependencyGraph`), then renders each. With no dependencies at all — Weft adds none, and of
 * the cdk8s-plus constructs it uses none adds one (only StatefulSet does) — that order is the
 * construct tree's pre-order, so the passes that build and sort the graph (a fifth of the emit
 * at 1,000 services) are skipped. Validation still runs, as in cdk8s. Objects written as plain
 * data (`PlainObject`) take their place in the same pre-order.
 * @see https://github.com/cdk8s-team/cdk8s-core/blob/2.x/src/app.ts (_synthChart, chartToKube)
 */
function synthChart(app: App, chart: Chart): Manifest[] {
  const constructs = app.node.findAll();
  if (constructs.some((c) => c.node.dependencies.length > 0)) {
    // chart.toJson() knows nothing of PlainObject; ordering them among dependent objects would
    // need cdk8s's graph. No Weft construct has a dependency, so this is a bug guard.
    throw new Error('bug: a construct of the Kubernetes chart has a dependency; synthChart() cannot order PlainObjects among dependent objects');
  }
  const errors = constructs.flatMap((c) => c.node.validate().map((e) => `[${c.node.path}] ${e}`));
  if (errors.length > 0) throw new Error(`Validation failed with the following errors:\n  ${errors.join('\n  ')}`);
  const out: Manifest[] = [];
  for (const c of constructs) {
    if (c instanceof PlainObject) out.push(c.manifest);
    else if (c instanceof ApiObject && Chart.of(c) === chart) out.push(c.toJson() as Manifest);
  }
  return out;
}

/**
 * cdk8s-plus adds `cdk8s.io/*` labels whose values hash the construct path. The Deployment
 * builder already removes the one it knows; this is the guard that none ever reaches dist/.
 */
function stripCdk8sLabels(m: Manifest): void {
  const strip = (labels: unknown) => {
    if (labels && typeof labels === 'object') for (const k of Object.keys(labels)) if (k.startsWith('cdk8s.io/')) delete (labels as Record<string, unknown>)[k];
  };
  strip(m.metadata.labels);
  strip(((m.spec as { template?: { metadata?: { labels?: unknown } } } | undefined)?.template?.metadata)?.labels);
}
