import type { EmitContext, Manifest, TargetOutput } from '../target';
import { namespaces } from './namespace';
import { serviceAccounts } from './service-account';
import { configMap } from './config-map';
import { deployment } from './deployment';
import { kubernetesService } from './service';
import { autoscaler } from './autoscaler';
import { disruptionBudget } from './disruption-budget';
import { networkPolicies } from './network-policy';
import { WorkloadWirings } from './wiring';
import { escapeHatchObjects } from './escape-hatch';

/**
 * The Kubernetes objects of one environment, each built by a plain function from the model, as
 * the Istio target builds its own. The shapes are those cdk8s-plus-27 rendered (each function
 * says which defaults it keeps and which it replaces); the golden files under
 * test/targets/kubernetes pin the bytes, and synth's schema check validates every object
 * against its kubernetes-models schema. Building the data directly instead of rendering it
 * through cdk8s constructs keeps synth linear and fast at 10,000 services (docs/performance.md).
 *
 * Order: namespaces, service accounts, then per service its ConfigMap, a Deployment and an
 * autoscaler per version, its Service and disruption budget, then the network policies, then
 * the objects teams added through the escape hatch (`team.chart`, escape-hatch.ts).
 */
export function emitKubernetes(ctx: EmitContext): TargetOutput {
  const wirings = new WorkloadWirings(ctx);
  const manifests: Manifest[] = [...namespaces(ctx, wirings), ...serviceAccounts(ctx)];
  const add = (m: Manifest | undefined) => {
    if (m) manifests.push(m);
  };
  for (const service of ctx.model.services) {
    const config = configMap(ctx, service);
    add(config?.manifest);
    for (const version of service.versions) {
      add(deployment(ctx, service, version, wirings.of(service, version), config));
      add(autoscaler(ctx, service, version, wirings.of(service, version)));
    }
    const first = service.versions[0];
    add(kubernetesService(ctx, service, first ? wirings.of(service, first) : {}));
    add(disruptionBudget(ctx, service));
  }
  manifests.push(...networkPolicies(ctx, wirings));
  manifests.push(...escapeHatchObjects(ctx, manifests));
  return { manifests };
}
