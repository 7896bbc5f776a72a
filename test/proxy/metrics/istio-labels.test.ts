/**
 * The Istio standard labels the proxy fills in from what it saw, over real sockets:
 * `source_principal` / `destination_principal` (SPIFFE ids from verified certificates),
 * `connection_security_policy` (mutual_tls / none on the destination, unknown on the source),
 * and `grpc_response_status` (from trailers, trailers-only responses and mapped local replies;
 * '' for plain HTTP) — with a real grpc-js client and server and a throwaway CA.
 * @see https://istio.io/latest/docs/reference/config/metrics/#labels
 */
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricsText, send, startProxy, type TestProxy } from '../helpers/proxy';
import { startUpstream, type Upstream } from '../helpers/upstream';
import { spiffe, TestCa, writeCertDir } from '../security/helpers/ca';

type Reply = { text: string; attempt: number };
type EchoClient = grpc.Client & { Say(req: object, md: grpc.Metadata, opts: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r?: Reply) => void): grpc.ClientUnaryCall };

const definition = protoLoader.loadSync(join(__dirname, '../h2/fixtures/echo.proto'), { keepCase: false, defaults: true });
const proto = grpc.loadPackageDefinition(definition) as unknown as { weft: { test: { Echo: grpc.ServiceClientConstructor } } };
const PRODUCTPAGE = spiffe('shop', 'productpage');
const FRONTEND = spiffe('web', 'frontend');
let app: Upstream;
let server: grpc.Server;
let grpcPort: number;
const proxies: TestProxy[] = [];

/** Sample lines of istio_requests_total whose labels contain every fragment. */
function lines(text: string, ...fragments: string[]): string[] {
  return text.split('\n').filter((l) => l.startsWith('istio_requests_total{') && fragments.every((f) => l.includes(f)));
}

beforeAll(async () => {
  app = await startUpstream('app');
  server = new grpc.Server();
  server.addService(proto.weft.test.Echo.service, {
    Say: (call: grpc.ServerUnaryCall<{ failTimes: number }, Reply>, cb: grpc.sendUnaryData<Reply>) =>
      call.request.failTimes > 0 ? cb({ code: grpc.status.UNAVAILABLE, details: 'down' }) : cb(null, { text: 'ok', attempt: 1 }),
  });
  grpcPort = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
});
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  server.forceShutdown();
  await app.close();
});

describe('principals and connection_security_policy', () => {
  it('labels mTLS requests with both SPIFFE ids and mutual_tls, plaintext ones with none, the source side with unknown', async () => {
    const ca = await TestCa.create();
    const serverCerts = writeCertDir(await ca.issue([PRODUCTPAGE]));
    const clientCerts = writeCertDir(await ca.issue([FRONTEND]));
    const files = (d: typeof serverCerts) => ({ certFile: d.certFile, keyFile: d.keyFile, caFile: d.caFile, pollIntervalMs: 1000 });
    const inbound = await startProxy({ listeners: { inbound: { host: '127.0.0.1', port: 0, app: { port: app.port } }, admin: { port: 0 } }, security: { mtls: { mode: 'PERMISSIVE', files: files(serverCerts) } } } as never);
    proxies.push(inbound);
    const client = await startProxy({
      workload: { service: 'frontend', namespace: 'web', version: 'v1' },
      listeners: { outbound: { port: 0 }, admin: { port: 0 } },
      security: { mtls: { mode: 'DISABLE', files: files(clientCerts) } },
      services: [{ name: 'productpage', namespace: 'shop', tls: { mode: 'ISTIO_MUTUAL', subjectAltNames: [PRODUCTPAGE] }, subsets: [{ name: 'v1', endpoints: [{ address: '127.0.0.1', port: inbound.inbound }] }] }],
    } as never);
    proxies.push(client);
    expect((await send(client.outbound, 'productpage', '/secure')).status).toBe(200);
    expect((await send(inbound.inbound, 'productpage', '/plain')).status).toBe(200);

    const dst = await metricsText(inbound.admin);
    expect(lines(dst, 'reporter="destination"', `source_principal="${FRONTEND}"`, `destination_principal="${PRODUCTPAGE}"`, 'connection_security_policy="mutual_tls"', 'grpc_response_status=""')).toHaveLength(1);
    expect(lines(dst, 'reporter="destination"', 'source_principal="unknown"', `destination_principal="${PRODUCTPAGE}"`, 'connection_security_policy="none"')).toHaveLength(1);
    const src = await metricsText(client.admin);
    expect(lines(src, 'reporter="source"', `source_principal="${FRONTEND}"`, `destination_principal="${PRODUCTPAGE}"`, 'connection_security_policy="unknown"')).toHaveLength(1);
  });
});

describe('grpc_response_status', () => {
  it('carries the gRPC status of each call: OK, an upstream error, and a local reply the proxy mapped', async () => {
    const p = await startProxy({
      workload: { service: 'caller', namespace: 'shop', version: 'v1' },
      listeners: { outbound: { host: '127.0.0.1', port: 0, http2: true }, admin: { port: 0 } },
      services: [{ name: 'echo', namespace: 'shop', protocol: 'http2', hosts: ['echo'], subsets: [{ name: 'v1', endpoints: [{ address: '127.0.0.1', port: grpcPort }] }] }],
    } as never);
    proxies.push(p);
    const call = (authority: string, failTimes: number) =>
      new Promise<grpc.ServiceError | null>((resolve) => {
        const c = new proto.weft.test.Echo(`127.0.0.1:${p.outbound}`, grpc.credentials.createInsecure(), { 'grpc.default_authority': authority, 'grpc.enable_retries': 0 }) as unknown as EchoClient;
        c.Say({ id: 'x', text: 't', failTimes }, new grpc.Metadata(), { deadline: Date.now() + 10_000 }, (e) => {
          c.close();
          resolve(e);
        });
      });
    expect(await call('echo', 0)).toBeNull();
    expect((await call('echo', 1))?.code).toBe(grpc.status.UNAVAILABLE);
    // No route for this authority: the proxy's 404 NR becomes a trailers-only UNIMPLEMENTED (gRPC's HTTP mapping).
    expect((await call('nowhere', 0))?.code).toBe(grpc.status.UNIMPLEMENTED);
    expect((await send(p.outbound, 'echo', '/plain-http')).status).toBeGreaterThan(0);
    const m = await metricsText(p.admin);
    expect(lines(m, 'destination_service_name="echo"', 'response_code="200"', 'grpc_response_status="0"')).toHaveLength(1);
    expect(lines(m, 'destination_service_name="echo"', 'grpc_response_status="14"')).toHaveLength(1);
    expect(lines(m, 'response_code="404"', 'grpc_response_status="12"', 'response_flags="NR"')).toHaveLength(1);
    // Plain HTTP to the same service: not gRPC, so the label is empty.
    expect(lines(m, 'destination_service_name="echo"', 'grpc_response_status=""').length).toBeGreaterThanOrEqual(1);
  });
});
