/**
 * gRPC between two Weft proxies over mTLS with ALPN h2: the caller's outbound listener takes h2c
 * from a grpc-js client, opens h2 over mTLS (secure naming) to the destination's STRICT inbound
 * listener, which negotiates h2 by ALPN and forwards h2c to the grpc-js server.
 */
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { metricsText, requestsTotal, startProxy, type TestProxy } from '../helpers/proxy';
import { spiffe, TestCa, writeCertDir } from '../security/helpers/ca';

const definition = protoLoader.loadSync(join(__dirname, 'fixtures/echo.proto'), { defaults: true });
const proto = grpc.loadPackageDefinition(definition) as unknown as { weft: { test: { Echo: grpc.ServiceClientConstructor } } };
let server: grpc.Server;
const proxies: TestProxy[] = [];

beforeAll(async () => {
  server = new grpc.Server();
  server.addService(proto.weft.test.Echo.service, {
    Say: (call: grpc.ServerUnaryCall<{ text: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      const md = new grpc.Metadata();
      md.set('x-seen-peer', String(call.metadata.get('x-weft-peer').length));
      cb(null, { text: `echo ${call.request.text}`, attempt: 1 }, md);
    },
  });
});
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  server.forceShutdown();
});

it('carries a gRPC call proxy to proxy over mTLS with ALPN h2', async () => {
  const grpcPort = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  const ca = await TestCa.create();
  const files = (d: ReturnType<typeof writeCertDir>) => ({ certFile: d.certFile, keyFile: d.keyFile, caFile: d.caFile });
  const serverDir = writeCertDir(await ca.issue([spiffe('shop', 'echo')]));
  const clientDir = writeCertDir(await ca.issue([spiffe('web', 'frontend')]));
  const inbound = await startProxy({
    workload: { service: 'echo', namespace: 'shop', version: 'v1' },
    listeners: { inbound: { host: '127.0.0.1', port: 0, http2: true, app: { port: grpcPort, protocol: 'http2' } }, admin: { port: 0 } },
    security: { mtls: { mode: 'STRICT', files: files(serverDir) } },
  } as never);
  proxies.push(inbound);
  const outbound = await startProxy({
    workload: { service: 'frontend', namespace: 'web', version: 'v1' },
    listeners: { outbound: { port: 0, http2: true }, admin: { port: 0 } },
    security: { mtls: { mode: 'DISABLE', files: files(clientDir) } },
    services: [{ name: 'echo', namespace: 'shop', protocol: 'http2', hosts: ['echo'], tls: { mode: 'ISTIO_MUTUAL', subjectAltNames: [spiffe('shop', 'echo')] }, subsets: [{ name: 'v1', endpoints: [{ address: '127.0.0.1', port: inbound.inbound }] }] }],
  } as never);
  proxies.push(outbound);
  const client = new proto.weft.test.Echo(`127.0.0.1:${outbound.outbound}`, grpc.credentials.createInsecure(), { 'grpc.default_authority': 'echo' });
  try {
    const result = await new Promise<{ error: grpc.ServiceError | null; reply: unknown; trailers?: grpc.Metadata }>((resolve) => {
      let trailers: grpc.Metadata | undefined;
      const call = (client as unknown as { Say: Function }).Say({ text: 'secure' }, new grpc.Metadata(), { deadline: Date.now() + 10_000 }, (error: grpc.ServiceError | null, reply: unknown) => setImmediate(() => resolve({ error, reply, trailers })));
      call.on('status', (s: grpc.StatusObject) => (trailers = s.metadata));
    });
    expect(result.error).toBeNull();
    expect(result.reply).toMatchObject({ text: 'echo secure' });
    // The metadata header travelled to the destination proxy and was consumed there.
    expect(result.trailers?.get('x-seen-peer')).toEqual(['0']);
    const m = await metricsText(inbound.admin);
    expect(requestsTotal(m, 'reporter="destination"', 'source_workload="frontend-v1"', 'response_code="200"')).toBe(1);
    expect(m).toMatch(/weft_proxy_inbound_connections_total\{transport="mtls"\} 1\b/);
  } finally {
    client.close();
  }
});
