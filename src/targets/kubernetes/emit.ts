import { App, Chart } from 'cdk8s';
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

/**
 * The Kubernetes objects of one environment, built as a cdk8s chart in memory. `chart.toJson()`
 * resolves the chart without `app.synth()`, so nothing is written and no validation hooks of
 * cdk8s-plus run (Weft checks what it writes with its own schema check).
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

  const manifests = chart.toJson() as Manifest[];
  for (const m of manifests) {
    stripCdk8sLabels(m);
    finishers.get(`${m.kind}/${m.metadata.namespace}/${m.metadata.name}`)?.(m);
  }
  return { manifests };
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
