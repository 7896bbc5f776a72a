import { inboundTcpPorts } from './tcp';
import { serviceKey } from '../../model/common';
import { memoized } from '../../model/memo';
import type { MeshModel } from '../../model/mesh';
import type { Service } from '../../model/service';
import type { Report } from '../../diagnostics/reporter';
import { proxyConfigIssues, type ConfigIssue } from '../../proxy/config/issues';
import type { EmitContext, JsonFile, Manifest, TargetOutput } from '../target';
import { workloadName } from '../../model/names';
import { buildProxyConfig } from './config';
import { proxyConfigMap, perVersionService } from './manifests';
import { perVersionServiceName } from './per-version-service';
import { proxiedPort } from './ports';
import { reportLimitations } from './limitations';
import { reportRateLimitedFallbacks } from './degradation';
import { certManagerManifests } from './identity';
import { meshHasSwitches, switchesConfigMap } from './degradation';
import { buildGatewayConfig, gatewayWorkloadName } from './gateway';
import { gatewayManifests } from './gateway-manifests';
import { gatewayWorkload } from '../../model/gateway-workload';
import { configIssueSource } from './config-issue-source';

/** A Service name must be a DNS-1035 label. @see https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#rfc-1035-label-names */
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Keys of the declared services, once per environment's model (a lookup per version, not a scan). */
const serviceKeysOf = memoized('weft-service-keys', (model) => new Set(model.services.map(serviceKey)));

/**
 * Config texts the proxy's loader accepted. The check is a function of the text alone (the
 * document as written; `path` only names it in messages), and `weft synth --watch` re-emits
 * every workload's config on each save: its warm compiler checks again only the configs that
 * changed (docs/performance.md, "The proxy-config check once per config text"). Bounded, so
 * that a large mesh's one-shot compile does not keep every config's text alive.
 */
const acceptedConfigs = new Set<string>();
const ACCEPTED_CONFIGS_LIMIT = 1_000;

/** The proxy loader's issues with the config `json` (proxy/config/issues.ts), remembering the accepted ones. */
function configIssues(json: string, path: string): readonly ConfigIssue[] {
  if (acceptedConfigs.has(json)) return [];
  const issues = proxyConfigIssues(JSON.parse(json), path);
  if (issues.length === 0) {
    if (acceptedConfigs.size >= ACCEPTED_CONFIGS_LIMIT) acceptedConfigs.clear();
    acceptedConfigs.add(json);
  }
  return issues;
}

/**
 * Everything a weft environment needs besides the Kubernetes target's objects: per workload, its
 * proxy config as a file (`<namespace>/<workload>.json`, for review and for `weft proxy --check`)
 * and as the ConfigMap `<workload>-proxy` the sidecar mounts (the same bytes); per version, the
 * per-version Service that is its subset's endpoint.
 */
export function emitWeft(ctx: EmitContext): TargetOutput {
  const report = ctx.report;
  const manifests: Manifest[] = [];
  const files: JsonFile[] = [];
  reportLimitations(ctx.model, report, ctx.index);
  reportRateLimitedFallbacks(ctx.model, report);
  manifests.push(...certManagerManifests(ctx.model));

  for (const service of ctx.model.services) {
    for (const version of service.versions) {
      const config = buildProxyConfig(ctx, service, version, report);
      // The file and the ConfigMap carry the same bytes: synth's stable JSON of the config.
      const json = ctx.json(config);
      const path = `${service.namespace}/${workloadName(service, version)}.json`;
      // The proxy's own loader checks the document as written, so synth never writes a config
      // the proxy would refuse to start with.
      const issues = configIssues(json, path);
      if (issues.length > 0) {
        report(
          'WEFT653',
          configIssueSource(ctx.model, config, issues[0]!.path, version),
          `the weft proxy would refuse the config of workload "${workloadName(service, version)}": ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
          'a declared value is outside what the weft proxy accepts (for example a header name that is not an HTTP token); if the model is valid, this is a Weft bug — please report it',
        );
        continue;
      }
      files.push({ path, json: config });
      manifests.push(proxyConfigMap(ctx.model, service, version, json));
    }
    manifests.push(...perVersionServices(ctx.model, service, report));
  }
  // Each gateway: a proxy workload of its own at the mesh's edge (gateway.ts).
  const sharedSeen = new Set<string>();
  for (const gateway of ctx.model.gateways) {
    const config = buildGatewayConfig(ctx, gateway, report);
    const json = ctx.json(config);
    const path = `${gatewayWorkload(gateway).namespace}/${gatewayWorkloadName(gateway)}.json`;
    const issues = configIssues(json, path);
    if (issues.length > 0) {
      report('WEFT653', configIssueSource(ctx.model, config, issues[0]!.path, gateway), `the weft proxy would refuse the config of gateway "${gateway.name}": ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, 'if the model is valid, this is a Weft bug — please report it');
      continue;
    }
    files.push({ path, json: config });
    // Gateways declared with the same workload share its Namespace and ServiceAccount: each once.
    for (const m of gatewayManifests(ctx, gateway, json)) {
      const key = `${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`;
      if (m.kind !== 'Deployment' && m.kind !== 'Service' && m.kind !== 'ConfigMap' && sharedSeen.has(key)) continue;
      sharedSeen.add(key);
      manifests.push(m);
    }
  }
  // The switches file, once per namespace whose workloads mount it (degradation.ts).
  if (meshHasSwitches(ctx.model)) for (const ns of [...new Set(ctx.model.services.map((s) => s.namespace))].sort()) manifests.push(switchesConfigMap(ctx.model, ctx.env, ns, ctx.json));
  return { manifests, files };
}

function perVersionServices(model: MeshModel, service: Service, report: Report): Manifest[] {
  const port = proxiedPort(service);
  if (!port && inboundTcpPorts(service).length === 0) return [];
  const out: Manifest[] = [];
  for (const version of service.versions) {
    const name = perVersionServiceName(service, version);
    const problem = nameProblem(model, service, name);
    if (problem) {
      report('WEFT651', version, `the per-version Service "${name}" of service "${service.name}" ${problem}`, 'rename the service or the version');
      continue;
    }
    out.push(perVersionService(model, service, version, port));
  }
  return out;
}

function nameProblem(model: MeshModel, service: Service, name: string): string | undefined {
  if (!DNS_1035_LABEL.test(name)) return 'is not a valid Service name (a DNS label: lower-case letters, digits and "-", starting with a letter, at most 63 characters)';
  if (serviceKeysOf(model).has(serviceKey({ namespace: service.namespace, name }))) return `has the name of the declared service "${name}" in namespace "${service.namespace}"`;
  return undefined;
}
