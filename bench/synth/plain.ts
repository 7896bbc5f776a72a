import { App, Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { TEAMS } from './mesh';

/**
 * The baseline: a plain cdk8s-plus-27 program writing only what every Kubernetes user would
 * write by hand for the same services — a Deployment per version (image, replicas, env, port,
 * readiness/liveness probes, resources) and a Service per service — synthesized with
 * `app.synthYaml()` (in memory; nothing is written to disk).
 */
export function plainSynth(services: number): { yaml: string; objects: number } {
  const app = new App({ outdir: '/dev/null' });
  const objects = addPlainServices(new Chart(app, 'bench', { disableResourceNameHashes: true }), services);
  return { yaml: app.synthYaml(), objects };
}

/** The Deployments and Services of `services` generated services, added to `chart`; returns the object count. */
export function addPlainServices(chart: Chart, services: number): number {
  let objects = 0;
  for (let i = 0; i < services; i++) {
    const name = `svc-${i}`;
    const namespace = `team-${i % TEAMS}`;
    for (const [version, tag, replicas, level] of [['v1', '1.0.0', 2, 'info'], ['v2', '1.1.0', 1, 'debug']] as const) {
      new kplus.Deployment(chart, `${namespace}-${name}-${version}`, {
        metadata: { name: `${name}-${version}`, namespace, labels: { app: name, version } },
        replicas,
        podMetadata: { labels: { app: name, version } },
        containers: [
          {
            name,
            image: `registry.example.com/${name}:${tag}`,
            ports: [{ number: 8080, name: 'http' }],
            envVariables: { LOG_LEVEL: kplus.EnvValue.fromValue(level) },
            resources: { cpu: { request: kplus.Cpu.millis(100) }, memory: { request: Size.mebibytes(128), limit: Size.mebibytes(256) } },
            readiness: kplus.Probe.fromHttpGet('/ready', { port: 8080 }),
            liveness: kplus.Probe.fromHttpGet('/healthz', { port: 8080, periodSeconds: Duration.seconds(20) }),
          },
        ],
      });
      objects++;
    }
    const svc = new kplus.Service(chart, `${namespace}-${name}`, {
      metadata: { name, namespace },
      ports: [{ name: 'http', port: 8080, targetPort: 8080 }],
    });
    svc.selectLabel('app', name);
    objects++;
  }
  return objects;
}
