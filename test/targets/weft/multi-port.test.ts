/**
 * A service with an HTTP port and a gRPC port, compiled by the weft target and run in real
 * proxies on 127.0.0.1: the callee's config has an inbound listener per port (STRICT mTLS,
 * deny-by-default authorization from the compiled policies), the caller's config reaches each
 * port through its own entry, and a grpc-js client that finds its proxy through `grpc_proxy`
 * (as the wiring sets it in the pod) calls the second port while plain HTTP keeps reaching the
 * first. Certificates come from a throwaway CA; the applications are real servers on loopback.
 */
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterAll, describe, expect, it } from 'vitest';
import { Reporter } from '../../../src/diagnostics/reporter';
import { codeRegistry } from '../../../src/synth/registry';
import { emitContext } from '../../../src/synth/emit-context';
import { parseProxyConfig, hashConfig } from '../../../src/proxy/config/load';
import type { ProxyConfigInput } from '../../../src/proxy/config/schema';
import { MemoryLogger } from '../../../src/proxy/log';
import { WeftProxy } from '../../../src/proxy/proxy';
import { buildProxyConfig } from '../../../src/targets/weft/config';
import { Mesh } from '../../../src/index';
import { modelOf } from './helpers';
import { metricsText, requestsTotal, send } from '../../proxy/helpers/proxy';
import { startUpstream } from '../../proxy/helpers/upstream';
import { spiffe, TestCa, writeCertDir } from '../../proxy/security/helpers/ca';

const definition = protoLoader.loadSync(join(__dirname, '../../proxy/h2/fixtures/echo.proto'), { defaults: true });
const proto = grpc.loadPackageDefinition(definition) as unknown as { weft: { test: { Echo: grpc.ServiceClientConstructor } } };

function shop() {
  const mesh = new Mesh('shop', { environments: { dev: { mesh: 'weft' } }, security: { mtls: 'strict', authorization: 'deny-by-default' } });
  const t = mesh.team('shop');
  const api = t.service('api', {
    ports: [
      { port: 80, targetPort: 8080, protocol: 'http', name: 'http-web' },
      { port: 9090, protocol: 'grpc', name: 'grpc-admin' },
    ],
    versions: { v1: { image: 'x/api:1' } },
  });
  t.service('web', { port: 8080, versions: { v1: { image: 'x/web:1' } }, calls: [api] });
  return mesh;
}

async function start(config: ProxyConfigInput): Promise<WeftProxy> {
  const text = JSON.stringify(config);
  return WeftProxy.start({ config: { config: parseProxyConfig(config), hash: hashConfig(text), text }, logger: new MemoryLogger() });
}

describe('a multi-port service compiled by the weft target, in real proxies', () => {
  const stop: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    for (const s of stop.reverse()) await s();
  });

  it('carries gRPC on the second port and HTTP on the first, each through its own inbound listener', async () => {
    const model = modelOf(shop());
    const reporter = new Reporter(codeRegistry());
    const ctx = emitContext(model, model.environments[0]!, reporter.report);
    const api = ctx.model.services.find((s) => s.name === 'api')!;
    const web = ctx.model.services.find((s) => s.name === 'web')!;

    const http = await startUpstream('api-http');
    stop.push(() => http.close());
    const grpcServer = new grpc.Server();
    grpcServer.addService(proto.weft.test.Echo.service, {
      Say: (call: grpc.ServerUnaryCall<{ text: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => cb(null, { text: `echo ${call.request.text}`, attempt: 1 }),
    });
    const grpcPort = await new Promise<number>((resolve, reject) => grpcServer.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
    stop.push(() => grpcServer.forceShutdown());

    const ca = await TestCa.create();
    const files = async (sa: string) => {
      const d = writeCertDir(await ca.issue([spiffe('shop', sa)]));
      return { certFile: d.certFile, keyFile: d.keyFile, caFile: d.caFile };
    };
    const loopback = { inbound: { host: '127.0.0.1', port: 0 }, outbound: { host: '127.0.0.1', port: 0 }, admin: { host: '127.0.0.1', port: 0 } };

    // The callee: its applications' ports are the test servers'; everything else is as compiled.
    const calleeConfig = buildProxyConfig(ctx, api, api.versions[0]!, reporter.report, { listeners: loopback, schema: null });
    expect(calleeConfig.listeners.inboundPorts).toEqual([{ name: 'api-9090', host: '127.0.0.1', port: 0, http2: true, app: { host: '127.0.0.1', port: 9090, protocol: 'http2' } }]);
    calleeConfig.listeners.inbound!.app.port = http.port;
    calleeConfig.listeners.inboundPorts![0]!.app.port = grpcPort;
    calleeConfig.security!.mtls!.files = await files('api');
    const callee = await start(calleeConfig);
    stop.push(() => callee.close());
    const listenerOf = (servicePort?: number) => (servicePort === 9090 ? callee.ports.inboundPorts!['api-9090']! : callee.ports.inbound!);

    const callerConfig = buildProxyConfig(ctx, web, web.versions[0]!, reporter.report, {
      listeners: loopback,
      schema: null,
      endpoints: (_s, _v, servicePort) => [{ address: '127.0.0.1', port: listenerOf(servicePort) }],
    });
    callerConfig.security!.mtls!.files = await files('web');
    const caller = await start(callerConfig);
    stop.push(() => caller.close());
    expect(reporter.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);

    // gRPC the way the application in the pod sends it: grpc_proxy → CONNECT api.shop:9090 → h2 over mTLS to the second listener.
    const saved = process.env.grpc_proxy;
    process.env.grpc_proxy = `http://127.0.0.1:${caller.ports.outbound}`;
    const client = new proto.weft.test.Echo('api.shop:9090', grpc.credentials.createInsecure(), { 'grpc.enable_retries': 0 });
    try {
      const result = await new Promise<{ error: grpc.ServiceError | null; reply: unknown }>((resolve) =>
        (client as unknown as { Say: Function }).Say({ text: 'admin' }, new grpc.Metadata(), { deadline: Date.now() + 15_000 }, (error: grpc.ServiceError | null, reply: unknown) => resolve({ error, reply })),
      );
      expect(result.error).toBeNull();
      expect(result.reply).toMatchObject({ text: 'echo admin' });
    } finally {
      client.close();
      if (saved === undefined) delete process.env.grpc_proxy;
      else process.env.grpc_proxy = saved;
    }

    // HTTP on the first port, through HTTP_PROXY (absolute form), to the first listener.
    const reply = await send(caller.ports.outbound!, 'api.shop', '/items', { absolute: true });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toMatchObject({ upstream: 'api-http', url: '/items' });

    // Both arrived over mTLS from web's verified identity, authorized by the compiled deny-by-default policies.
    const m = await metricsText(callee.ports.admin!);
    expect(requestsTotal(m, 'reporter="destination"', 'source_principal="spiffe://cluster.local/ns/shop/sa/web"', 'grpc_response_status="0"')).toBe(1);
    expect(requestsTotal(m, 'reporter="destination"', 'source_principal="spiffe://cluster.local/ns/shop/sa/web"', 'response_code="200"')).toBe(2);
    expect(m).toMatch(/weft_proxy_inbound_connections_total\{listener="inbound:api-9090",transport="mtls"\} 1\b/);
  });
});
