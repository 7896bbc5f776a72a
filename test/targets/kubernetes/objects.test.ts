import { describe, expect, it } from 'vitest';
import { Mesh } from '../../../src/index';
import { schemaCheck } from '../../../src/synth/schema-check';
import { smallMesh } from './fixture';
import { emitFor, get, toYamlStream } from './helpers';

describe('kubernetes target: objects', () => {
  it('writes a Namespace per team namespace with team labels, mesh labels, common labels and the namespace wave', async () => {
    const { find, all } = await emitFor(smallMesh(), 'prod');
    expect(all('Namespace').map((n) => n.metadata.name)).toEqual(['storefront', 'shop-commerce']);
    const ns = find('Namespace', 'storefront');
    expect(ns.metadata.labels).toMatchObject({ 'cost-center': 'web', 'istio-injection': 'enabled', 'app.kubernetes.io/managed-by': 'weft', 'app.kubernetes.io/part-of': 'shop' });
    expect(ns.metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '-3' });
  });

  it('writes one ServiceAccount per identity, token not mounted, in the foundation wave', async () => {
    const { find, all } = await emitFor(smallMesh(), 'prod');
    expect(all('ServiceAccount').map((s) => `${s.metadata.namespace}/${s.metadata.name}`)).toEqual(['storefront/web', 'shop-commerce/orders-sa']);
    const sa = find('ServiceAccount', 'orders-sa');
    expect(sa.automountServiceAccountToken).toBe(false);
    expect(sa.metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '-2' });
  });

  it('writes a Deployment per version with selector, labels, image, env, resources, probes, config and identity', async () => {
    const { find } = await emitFor(smallMesh(), 'prod');
    const d = find('Deployment', 'orders-v1', 'shop-commerce');
    expect(get(d, 'spec.replicas')).toBe(2);
    expect(get(d, 'spec.selector')).toEqual({ matchLabels: { app: 'orders', version: 'v1' } });
    expect(get(d, 'spec.template.metadata.labels')).toMatchObject({ app: 'orders', version: 'v1', 'app.kubernetes.io/name': 'orders' });
    expect(get(d, 'spec.template.spec.serviceAccountName')).toBe('orders-sa');
    expect(get(d, 'spec.template.spec.automountServiceAccountToken')).toBe(false);
    const c = get(d, 'spec.template.spec.containers.0') as Record<string, unknown>;
    expect(c.name).toBe('orders');
    expect(c.image).toBe('example/orders:1.4.2');
    expect(c.imagePullPolicy).toBe('IfNotPresent');
    expect(c.ports).toEqual([{ containerPort: 8080, name: 'http-80' }, { containerPort: 9090, name: 'grpc-9090' }]);
    expect(c.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } });
    expect(c.env).toEqual([{ name: 'LOG_LEVEL', valueFrom: { configMapKeyRef: { key: 'LOG_LEVEL', name: 'orders-config' } } }]);
    expect(get(c, 'readinessProbe.httpGet')).toEqual({ path: '/ready', port: 8080, scheme: 'HTTP' });
    expect(get(c, 'livenessProbe.tcpSocket')).toEqual({ port: 8080 });
    expect(get(c, 'livenessProbe.periodSeconds')).toBe(20);
    expect(c.volumeMounts).toContainEqual({ name: 'config', mountPath: '/etc/orders', readOnly: true });
    expect(get(d, 'spec.template.spec.volumes')).toContainEqual({ name: 'config', configMap: { name: 'orders-config', items: [{ key: 'orders.json', path: 'orders.json' }] } });
    expect(get(d, 'metadata.annotations')).toEqual({ 'argocd.argoproj.io/sync-wave': '-1' });
  });

  it('pulls :latest and untagged images always, pinned ones if not present', async () => {
    const { find } = await emitFor(smallMesh(), 'prod');
    expect(get(find('Deployment', 'web-v2'), 'spec.template.spec.containers.0.imagePullPolicy')).toBe('Always');
    expect(get(find('Deployment', 'web-v1'), 'spec.template.spec.containers.0.imagePullPolicy')).toBe('IfNotPresent');
    expect(get(find('Deployment', 'web-v2'), 'spec.template.metadata.labels.track')).toBe('canary');
  });

  it('omits replicas under autoscaling (the HPA owns them) and applies environment replica overrides otherwise', async () => {
    const prod = await emitFor(smallMesh(), 'prod');
    expect(get(prod.find('Deployment', 'web-v1'), 'spec')).not.toHaveProperty('replicas');
    expect(get(prod.find('Deployment', 'web-v2'), 'spec')).not.toHaveProperty('replicas');
    const open = await emitFor(smallMesh(), 'open');
    expect(get(open.find('Deployment', 'orders-v1'), 'spec.replicas')).toBe(3);
  });

  it('writes an autoscaling/v2 HPA per version Deployment', async () => {
    const { find, all } = await emitFor(smallMesh(), 'prod');
    expect(all('HorizontalPodAutoscaler').map((h) => h.metadata.name)).toEqual(['web-v1', 'web-v2']);
    const h = find('HorizontalPodAutoscaler', 'web-v2');
    expect(h.apiVersion).toBe('autoscaling/v2');
    expect(get(h, 'spec.scaleTargetRef')).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web-v2' });
    expect(get(h, 'spec.minReplicas')).toBe(2);
    expect(get(h, 'spec.maxReplicas')).toBe(6);
    // Istio injects a sidecar: the application container's own CPU, not the pod's (workloads.test.ts).
    expect(get(h, 'spec.metrics')).toEqual([{ type: 'ContainerResource', containerResource: { container: 'web', name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }]);
  });

  it('writes a Service per service with app selector, named ports, appProtocol and target ports', async () => {
    const { find } = await emitFor(smallMesh(), 'prod');
    const s = find('Service', 'orders');
    expect(get(s, 'spec.selector')).toEqual({ app: 'orders' });
    expect(get(s, 'spec.ports')).toEqual([
      { name: 'http-80', port: 80, targetPort: 8080, protocol: 'TCP', appProtocol: 'http' },
      { name: 'grpc-9090', port: 9090, targetPort: 9090, protocol: 'TCP', appProtocol: 'grpc' },
    ]);
  });

  it('writes a ConfigMap with files and values, and a PDB selecting every version', async () => {
    const { find } = await emitFor(smallMesh(), 'prod');
    const cm = find('ConfigMap', 'orders-config');
    expect(cm.data).toEqual({ LOG_LEVEL: 'info', 'orders.json': '{\n  "currency": "EUR"\n}\n' });
    expect(cm.metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '-2' });
    const pdb = find('PodDisruptionBudget', 'orders');
    expect(pdb.apiVersion).toBe('policy/v1');
    expect(pdb.spec).toEqual({ minAvailable: 1, selector: { matchLabels: { app: 'orders' } } });
    expect(find('PodDisruptionBudget', 'web').spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: { app: 'web' } } });
  });

  it('labels every object with the common labels and a sync wave, names come from the model', async () => {
    const { manifests } = await emitFor(smallMesh(), 'prod');
    for (const m of manifests) {
      expect(m.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'weft', 'app.kubernetes.io/part-of': 'shop' });
      expect(m.metadata.annotations?.['argocd.argoproj.io/sync-wave']).toMatch(/^-?\d+$/);
    }
  });

  it('is deterministic and carries no hash in any name or label', async () => {
    const a = toYamlStream((await emitFor(smallMesh(), 'prod')).manifests);
    const b = toYamlStream((await emitFor(smallMesh(), 'prod')).manifests);
    expect(a).toBe(b);
    expect(a).not.toContain('cdk8s.io');
    // cdk8s hashes are 8 hex digits appended to a name; no name or label value may end so.
    for (const m of (await emitFor(smallMesh(), 'prod')).manifests) {
      const values = [m.metadata.name, ...Object.values(m.metadata.labels ?? {}), ...Object.values((get(m, 'spec.template.metadata.labels') as Record<string, string>) ?? {})];
      for (const v of values) expect(v).not.toMatch(/-[0-9a-f]{8}$/);
    }
  });

  it('emits only objects that pass the schema check, in every environment', async () => {
    for (const env of ['prod', 'open']) {
      const { manifests } = await emitFor(smallMesh(), env);
      const result = schemaCheck(manifests, env);
      expect(result.diagnostics).toEqual([]);
      expect(result.unchecked).toEqual([]);
    }
  });

  it('applies the mesh wiring: labels, annotations, env, containers, volumes and Service target port', async () => {
    const { find } = await emitFor(smallMesh(), 'prod', (service, version) => ({
      namespaceLabels: { mesh: 'on' },
      podLabels: { 'sidecar.example/inject': 'true' },
      podAnnotations: { 'prometheus.io/port': '15099' },
      appEnv: { HTTP_PROXY: `http://127.0.0.1:15001/${version.name}` },
      containers: [{ name: 'proxy', image: 'example/proxy:1', ports: [{ containerPort: 15006 }] }],
      volumes: [{ name: 'proxy-config', configMap: { name: `${service.name}-${version.name}-proxy` } }],
      serviceTargetPort: (port) => (port === 8080 ? 15006 : port),
    }));
    expect(find('Namespace', 'shop-commerce').metadata.labels?.mesh).toBe('on');
    const d = find('Deployment', 'orders-v1');
    expect((get(d, 'spec.template.metadata.labels') as Record<string, string>)['sidecar.example/inject']).toBe('true');
    expect((get(d, 'spec.template.metadata.annotations') as Record<string, string>)['prometheus.io/port']).toBe('15099');
    expect(get(d, 'spec.template.spec.containers.0.env')).toContainEqual({ name: 'HTTP_PROXY', value: 'http://127.0.0.1:15001/v1' });
    expect(get(d, 'spec.template.spec.containers.1')).toEqual({ name: 'proxy', image: 'example/proxy:1', ports: [{ containerPort: 15006 }] });
    expect(get(d, 'spec.template.spec.volumes')).toContainEqual({ name: 'proxy-config', configMap: { name: 'orders-v1-proxy' } });
    expect((get(find('Service', 'orders'), 'spec.ports') as { targetPort: number }[]).map((p) => p.targetPort)).toEqual([15006, 9090]);
    // NetworkPolicy admits callers on the sidecar's port, and scrapers on the annotated metrics port.
    const np = find('NetworkPolicy', 'allow-orders');
    const ports = (np.spec as { ingress: { ports: { port: number }[] }[] }).ingress.map((r) => r.ports.map((p) => p.port));
    expect(ports).toEqual([[9090, 15006], [9090], [15006], [15020, 15099]]);
  });

  it('uses the registered mesh target wiring by default (Istio injection label, Weft sidecar)', async () => {
    const prod = await emitFor(smallMesh(), 'prod');
    expect(prod.find('Namespace', 'storefront').metadata.labels?.['istio-injection']).toBe('enabled');
    const open = await emitFor(smallMesh(), 'open');
    expect((get(open.find('Deployment', 'web-v1'), 'spec.template.spec.containers') as unknown[]).length).toBe(2);
  });
});

describe('kubernetes target: diagnostics', () => {
  function meshWith(props: Record<string, unknown>): Mesh {
    const mesh = new Mesh('m', { environments: { dev: { mesh: 'istio' } } });
    mesh.team('t').service('s', { port: 8080, versions: { v1: { image: 'x/s:1' } }, ...props } as never);
    return mesh;
  }
  const codes = async (props: Record<string, unknown>) => (await emitFor(meshWith(props), 'dev')).diagnostics.map((d) => d.code);

  it('WEFT660: utilization autoscaling without resource requests', async () => {
    expect(await codes({ autoscaling: { minReplicas: 1, maxReplicas: 3 } })).toEqual(['WEFT660']);
  });
  it('WEFT661: sub-second probe timings are rounded up and reported', async () => {
    const { diagnostics, find } = await emitFor(meshWith({ probes: { readiness: { path: '/r', timeout: '250ms', period: '1500ms' } } }), 'dev');
    expect(diagnostics.map((d) => d.code)).toEqual(['WEFT661', 'WEFT661']);
    expect(get(find('Deployment', 's-v1'), 'spec.template.spec.containers.0.readinessProbe')).toMatchObject({ timeoutSeconds: 1, periodSeconds: 2 });
  });
  it('WEFT662: invalid ConfigMap keys and keys used as both file and value', async () => {
    expect(await codes({ config: { 'bad/key.json': 'x', SAME: 'file' }, configValues: { SAME: 'value' } })).toEqual(['WEFT662', 'WEFT662']);
  });
  it('WEFT663: minReplicas above maxReplicas is reported, not thrown', async () => {
    expect(await codes({ autoscaling: { minReplicas: 5, maxReplicas: 2, targetCpuPercent: 50 }, versions: { v1: { image: 'x/s:1', resources: { requests: { cpu: '1' } } } } })).toEqual(['WEFT663']);
  });
  it('WEFT664: both minAvailable and maxUnavailable', async () => {
    const { diagnostics, all } = await emitFor(meshWith({ disruptionBudget: { minAvailable: 1, maxUnavailable: 1 } }), 'dev');
    expect(diagnostics.map((d) => d.code)).toEqual(['WEFT664']);
    expect(all('PodDisruptionBudget')).toEqual([]);
  });
  it('WEFT665: a ConfigMap over 1 MiB', async () => {
    expect(await codes({ config: { 'big.txt': 'x'.repeat(1024 * 1024 + 1) } })).toEqual(['WEFT665']);
  });
});
