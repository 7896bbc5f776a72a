import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { weftTarget, PROXY_IMAGE } from '../../../src/targets/weft/index';
import { modelOf, emit, weftMesh } from './helpers';

function setup() {
  const mesh = weftMesh();
  const t = mesh.team('shop');
  const api = t.service('api', {
    ports: [
      { port: 80, targetPort: 8080, name: 'http-web' },
      { port: 9090, protocol: 'grpc', name: 'grpc-admin' },
    ],
    versions: { v1: { image: 'x/api:1' }, v2: { image: 'x/api:2' } },
  });
  const db = t.service('db', { ports: [{ port: 5432, protocol: 'tcp' }], versions: { v1: { image: 'x/db:1' } } });
  return { mesh, api, db };
}

describe('weft target: workload wiring', () => {
  it('adds the weft-proxy sidecar, its ConfigMap volume, HTTP_PROXY and the inbound target port', () => {
    const { mesh } = setup();
    const e = emit(mesh);
    const api = e.model.services.find((s) => s.name === 'api')!;
    const wiring = weftTarget.wiring!(e.ctx, api, api.versions[1]!);
    const version = (JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as { version: string }).version;
    expect(PROXY_IMAGE).toBe(`ghcr.io/weft-mesh/weft-proxy:${version}`);
    expect(wiring.containers).toEqual([
      {
        name: 'weft-proxy',
        image: PROXY_IMAGE,
        imagePullPolicy: 'IfNotPresent',
        args: ['--config', '/etc/weft/proxy.json'],
        ports: [
          { name: 'weft-inbound', containerPort: 15006, protocol: 'TCP' },
          { name: 'weft-admin', containerPort: 15000, protocol: 'TCP' },
          // The gRPC port's own inbound listener.
          { name: 'weft-http-0', containerPort: 15200, protocol: 'TCP' },
        ],
        env: [
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        ],
        readinessProbe: { httpGet: { path: '/ready', port: 15000 }, periodSeconds: 2, timeoutSeconds: 1, failureThreshold: 3, successThreshold: 1 },
        livenessProbe: { httpGet: { path: '/ready', port: 15000 }, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3, successThreshold: 1 },
        resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } },
        securityContext: {
          runAsNonRoot: true,
          runAsUser: 1337,
          runAsGroup: 1337,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          privileged: false,
          capabilities: { drop: ['ALL'] },
        },
        volumeMounts: [{ name: 'weft-proxy-config', mountPath: '/etc/weft', readOnly: true }],
      },
    ]);
    // The volume names the ConfigMap the target emits for this very workload.
    expect(wiring.volumes).toEqual([{ name: 'weft-proxy-config', configMap: { name: 'api-v2-proxy' } }]);
    expect(e.output.manifests.some((m) => m.kind === 'ConfigMap' && m.metadata.name === 'api-v2-proxy' && m.metadata.namespace === 'shop')).toBe(true);
    expect(wiring.appEnv).toEqual({
      HTTP_PROXY: 'http://127.0.0.1:15001',
      http_proxy: 'http://127.0.0.1:15001',
      grpc_proxy: 'http://127.0.0.1:15001',
      NO_PROXY: 'localhost,127.0.0.1',
      no_proxy: 'localhost,127.0.0.1',
    });
    // The first HTTP target port goes to the first inbound listener, the gRPC one to its own.
    expect(wiring.serviceTargetPort!(8080)).toBe(15006);
    expect(wiring.serviceTargetPort!(9090)).toBe(15200);
  });

  it('puts TCP-only services behind an inbound TCP listener per port, with the sidecar for their calls', () => {
    const { mesh } = setup();
    const model = modelOf(mesh);
    const e = emit(mesh);
    const db = model.services.find((s) => s.name === 'db')!;
    const wiring = weftTarget.wiring!(e.ctx, db, db.versions[0]!);
    expect(wiring.serviceTargetPort!(5432)).toBe(15100);
    expect(wiring.containers).toHaveLength(1);
    expect((wiring.containers![0] as { ports: Array<{ name: string; containerPort: number }> }).ports).toContainEqual({ name: 'weft-tcp-0', containerPort: 15100, protocol: 'TCP' });
  });

  it("gives a TCP service's callers its local bind address in WEFT_UPSTREAM_<SERVICE>_<PORT>", () => {
    const mesh = weftMesh();
    const t = mesh.team('shop');
    const db = t.service('order-db', { ports: [{ port: 5432, protocol: 'tcp' }], versions: { v1: { image: 'x/db:1' } } });
    t.service('orders', { port: 8080, versions: { v1: { image: 'x/o:1' } }, calls: [db] });
    const e = emit(mesh);
    const orders = modelOf(mesh).services.find((s) => s.name === 'orders')!;
    expect(weftTarget.wiring!(e.ctx, orders, orders.versions[0]!).appEnv).toMatchObject({ WEFT_UPSTREAM_ORDER_DB_5432: '127.0.0.1:5432' });
  });

  it('wires a Deployment and Service through the Kubernetes target', async () => {
    const { kubernetesTarget } = await import('../../../src/targets/kubernetes/index');
    const { mesh } = setup();
    const e = emit(mesh);
    // e.ctx comes from synth's emitContext: its `wiring` is the weft target's.
    const out = kubernetesTarget.emit(e.ctx);
    const deployment = out.manifests.find((m) => m.kind === 'Deployment' && m.metadata.name === 'api-v1') as unknown as {
      spec: { template: { spec: { containers: Array<{ name: string; env?: Array<{ name: string }> }>; volumes: Array<{ name: string }> } } };
    };
    const containers = deployment.spec.template.spec.containers;
    expect(containers.map((c) => c.name)).toEqual(['api', 'weft-proxy']);
    expect(deployment.spec.template.spec.volumes.map((v) => v.name)).toContain('weft-proxy-config');
    const service = out.manifests.find((m) => m.kind === 'Service' && m.metadata.name === 'api') as unknown as { spec: { ports: Array<{ port: number; targetPort: number }> } };
    expect(service.spec.ports.map((p) => [p.port, p.targetPort])).toEqual([
      [80, 15006],
      // Every port through the sidecar: the gRPC port to its own inbound listener.
      [9090, 15200],
    ]);
  });

  it('sets HTTPS_PROXY only for workloads that call an external service over TLS/TCP (egress by CONNECT)', () => {
    const mesh = weftMesh();
    const t = mesh.team('shop');
    const pay = t.externalService('payments', { hosts: ['api.payments.example'], ports: [{ port: 443, protocol: 'https' }], resolution: 'dns' });
    t.service('caller', { port: 8080, versions: { v1: { image: 'x/c:1' } }, calls: [pay] });
    t.service('other', { port: 8080, versions: { v1: { image: 'x/o:1' } } });
    const e = emit(mesh);
    const env = (name: string) => {
      const s = e.model.services.find((x) => x.name === name)!;
      return weftTarget.wiring!(e.ctx, s, s.versions[0]!).appEnv;
    };
    expect(env('caller')).toMatchObject({ HTTPS_PROXY: 'http://127.0.0.1:15001', https_proxy: 'http://127.0.0.1:15001', grpc_proxy: 'http://127.0.0.1:15001' });
    expect(env('other')).not.toHaveProperty('HTTPS_PROXY');
  });
});
