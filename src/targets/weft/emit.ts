import type { MeshModel } from '../../model/mesh';
import type { Service } from '../../model/service';
import type { EmitContext, Manifest, RawFile, TargetOutput } from '../target';
import { workloadName } from '../naming';
import { buildProxyConfig } from './config';
import { proxyConfigMap, perVersionService } from './manifests';
import { perVersionServiceName } from './per-version-service';
import { proxiedPort } from './ports';
import { Reporter } from './reporter';
import { reportLimitations } from './limitations';
import { serializeProxyConfig } from './serialize';
import { proxyConfigIssues } from './validate';

/** A Service name must be a DNS-1035 label. @see https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#rfc-1035-label-names */
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * Everything a weft environment needs besides the Kubernetes target's objects: per workload, its
 * proxy config as a file (`<namespace>/<workload>.json`, for review and for `weft proxy --check`)
 * and as the ConfigMap `<workload>-proxy` the sidecar mounts (the same bytes); per version, the
 * per-version Service that is its subset's endpoint.
 */
export function emitWeft(ctx: EmitContext): TargetOutput {
  const reporter = new Reporter(ctx);
  const manifests: Manifest[] = [];
  const files: RawFile[] = [];
  reportLimitations(ctx.model, reporter);

  for (const service of ctx.model.services) {
    for (const version of service.versions) {
      const json = serializeProxyConfig(buildProxyConfig(ctx, service, version, reporter));
      const path = `${service.namespace}/${workloadName(service, version)}.json`;
      const issues = proxyConfigIssues(json, path);
      if (issues.length > 0) {
        reporter.report(
          'WEFT653',
          version,
          `the weft proxy would refuse the config of workload "${workloadName(service, version)}": ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
          'a declared value is outside what the weft proxy accepts (for example a header name that is not an HTTP token); if the model is valid, this is a Weft bug — please report it',
        );
        continue;
      }
      files.push({ path, content: json });
      manifests.push(proxyConfigMap(ctx.model, service, version, json));
    }
    manifests.push(...perVersionServices(ctx.model, service, reporter));
  }
  return { manifests, files };
}

function perVersionServices(model: MeshModel, service: Service, reporter: Reporter): Manifest[] {
  const port = proxiedPort(service);
  if (!port) return [];
  const out: Manifest[] = [];
  for (const version of service.versions) {
    const name = perVersionServiceName(service, version);
    const problem = nameProblem(model, service, name);
    if (problem) {
      reporter.report('WEFT651', version, `the per-version Service "${name}" of service "${service.name}" ${problem}`, 'rename the service or the version');
      continue;
    }
    out.push(perVersionService(model, service, version, port));
  }
  return out;
}

function nameProblem(model: MeshModel, service: Service, name: string): string | undefined {
  if (!DNS_1035_LABEL.test(name)) return 'is not a valid Service name (a DNS label: lower-case letters, digits and "-", starting with a letter, at most 63 characters)';
  const clash = model.services.find((s) => s.namespace === service.namespace && s.name === name);
  if (clash) return `has the name of the declared service "${clash.name}" in namespace "${service.namespace}"`;
  return undefined;
}
