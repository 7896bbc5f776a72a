/**
 * One inbound listener per application port (listeners.inboundPorts): a workload serving HTTP on
 * one port and gRPC on another gets both through its sidecar, each over STRICT mTLS, each
 * forwarding to its own application port, and authorization `ports` matched against the port
 * the listener fronts (Istio: AuthorizationPolicy ports are the workload's target ports).
 * Real sockets on loopback: a grpc-js server and client, an HTTP upstream, two Weft proxies.
 */
import { join } from 'node:path';
import { connect } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { metricsText, requestsTotal, send, startProxy, type TestProxy } from './helpers/proxy';
import { startUpstream, type Upstream } from './helpers/upstream';
import { spiffe, TestCa, writeCertDir } from './security/helpers/ca';

const definition = protoLoader.loadSync(join(__dirname, 'h2/fixtures/echo.proto'), { defaults: true });
const proto = grpc.loadPackageDefinition(definition) as unknown as { weft: { test: { Echo: grpc.ServiceClientConstructor } } };
type SayResult = { error: grpc.ServiceError | null; reply: unknown };

let grpcServer: grpc.Server;
let grpcPort: number;
let web: Upstream;
let inbound: TestProxy;
let grpcListener: number;
const callers = new Map<string, TestProxy>();
const proxies: TestProxy[] = [];

beforeAll(async () => {
  grpcServer = new grpc.Server();
  grpcServer.addService(proto.weft.test.Echo.service, {
    Say: (call: grpc.ServerUnaryCall<{ text: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => cb(null, { text: `echo ${call.request.text}`, attempt: 1 }),
  });
  grpcPort = await new Promise<number>((resolve, reject) => grpcServer.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  web = await startUpstream('web');
  const ca = await TestCa.create();
  const files = (d: ReturnType<typeof writeCertDir>) => ({ certFile: d.certFile, keyFile: d.keyFile, caFile: d.caFile });
  const serverDir = writeCertDir(await ca.issue([spiffe('shop', 'echo')]));
  inbound = await startProxy({
    workload: { service: 'echo', namespace: 'shop', version: 'v1' },
    listeners: {
      inbound: { host: '127.0.0.1', port: 0, app: { port: web.port } },
      inboundPorts: [{ name: 'echo-9090', host: '127.0.0.1', port: 0, http2: true, app: { port: grpcPort, protocol: 'http2' } }],
      admin: { port: 0 },
    },
    security: {
      mtls: { mode: 'STRICT', files: files(serverDir) },
      authorization: {
        policies: [
          // gRPC port: only the frontend; HTTP port: anyone in the mesh, GET only.
          { name: 'grpc-callers', namespace: 'shop', action: 'ALLOW', rules: [{ from: [{ source: { principals: ['cluster.local/ns/web/sa/frontend'] } }], to: [{ operation: { ports: [grpcPort] } }] }] },
          { name: 'http-readers', namespace: 'shop', action: 'ALLOW', rules: [{ to: [{ operation: { ports: [web.port], methods: ['GET'] } }] }] },
        ],
      },
    },
  } as never);
  proxies.push(inbound);
  grpcListener = inbound.proxy.ports.inboundPorts!['echo-9090']!;
  for (const sa of ['frontend', 'intruder']) {
    const dir = writeCertDir(await ca.issue([spiffe('web', sa)]));
    const tls = { mode: 'ISTIO_MUTUAL', subjectAltNames: [spiffe('shop', 'echo')] };
    const caller = await startProxy({
      workload: { service: sa, namespace: 'web', version: 'v1' },
      listeners: { outbound: { port: 0, http2: true }, admin: { port: 0 } },
      security: { mtls: { mode: 'DISABLE', files: files(dir) } },
      // The port-qualified host first: a bare host matches an authority on any port (as the weft target orders them).
      services: [
        { name: 'echo-9090', namespace: 'shop', protocol: 'http2', hosts: ['echo:9090'], tls, subsets: [{ name: 'v1', endpoints: [{ address: '127.0.0.1', port: grpcListener }] }] },
        { name: 'echo', namespace: 'shop', hosts: ['echo', 'echo:80'], tls, subsets: [{ name: 'v1', endpoints: [{ address: '127.0.0.1', port: inbound.inbound }] }] },
      ],
    } as never);
    callers.set(sa, caller);
    proxies.push(caller);
  }
});

afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  grpcServer.forceShutdown();
  await web.close();
});

async function say(from: string, text: string): Promise<SayResult> {
  const client = new proto.weft.test.Echo(`127.0.0.1:${callers.get(from)!.outbound}`, grpc.credentials.createInsecure(), { 'grpc.default_authority': 'echo:9090' });
  try {
    return await new Promise<SayResult>((resolve) => {
      (client as unknown as { Say: Function }).Say({ text }, new grpc.Metadata(), { deadline: Date.now() + 15_000 }, (error: grpc.ServiceError | null, reply: unknown) => resolve({ error, reply }));
    });
  } finally {
    client.close();
  }
}

it('carries a gRPC call on the second port to its own application port, authorized by that port', async () => {
  const ok = await say('frontend', 'second port');
  expect(ok.error).toBeNull();
  expect(ok.reply).toMatchObject({ text: 'echo second port' });
  // Another mesh identity is not in the gRPC port's ALLOW rule: PERMISSION_DENIED (HTTP 403 → gRPC 7).
  const denied = await say('intruder', 'not me');
  expect(denied.error?.code).toBe(grpc.status.PERMISSION_DENIED);
  const m = await metricsText(inbound.admin);
  expect(requestsTotal(m, 'reporter="destination"', 'source_workload="frontend-v1"', 'response_code="200"', 'grpc_response_status="0"')).toBe(1);
  expect(m).toMatch(/weft_proxy_inbound_connections_total\{listener="inbound:echo-9090",transport="mtls"\} [1-9]/);
  expect(m).toMatch(/weft_proxy_authz_denied_total 1\b/);
});

it('keeps serving HTTP on the first port, where the gRPC port rule does not apply', async () => {
  const get = await send(callers.get('intruder')!.outbound, 'echo:80', '/items');
  expect(get.status).toBe(200);
  expect(JSON.parse(get.body)).toMatchObject({ upstream: 'web' });
  // The frontend's ALLOW rule names the gRPC port only: a POST on the HTTP port matches no rule.
  const post = await send(callers.get('frontend')!.outbound, 'echo:80', '/items', { method: 'POST', body: 'x' });
  expect(post.status).toBe(403);
  expect(web.received.map((r) => r.method)).toEqual(['GET']);
});

it('rejects plaintext on the second port under STRICT mTLS', async () => {
  const closed = await new Promise<string>((resolve) => {
    const socket = connect(grpcListener, '127.0.0.1', () => socket.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'));
    let got = '';
    socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
    socket.on('close', () => resolve(got));
    socket.on('error', () => undefined);
    socket.setTimeout(15_000, () => socket.destroy());
  });
  // No HTTP/2 SETTINGS from an application: the connection is closed without reaching it.
  expect(closed).not.toContain('\u0000\u0000');
});

it('refuses further inbound ports without a first one, with a duplicate name, or on a port already in use', async () => {
  const { parseProxyConfig } = await import('../../src/proxy/config/load');
  const port = (name: string, p: number) => ({ name, host: '127.0.0.1', port: p, app: { port: 9 } });
  const issues = (listeners: object) => {
    try {
      parseProxyConfig({ version: 1, workload: { service: 's', namespace: 'n' }, listeners: { admin: { port: 0 }, ...listeners } } as never, '<test>');
      return [];
    } catch (e) {
      return (e as { issues: Array<{ path: string; message: string }> }).issues.map((i) => `${i.path}: ${i.message}`);
    }
  };
  expect(issues({ outbound: { port: 0 }, inboundPorts: [port('a', 1)] })).toEqual([expect.stringContaining('$.listeners.inboundPorts[0]: further inbound ports need the first inbound listener')]);
  const inbound = { host: '127.0.0.1', port: 7, app: { port: 8 } };
  expect(issues({ inbound, inboundPorts: [port('a', 1), port('a', 2)] })).toEqual([expect.stringContaining('$.listeners.inboundPorts[1].name: duplicate inbound listener "a"')]);
  expect(issues({ inbound, inboundPorts: [port('a', 7)] })).toEqual([expect.stringContaining('$.listeners.inboundPorts[0].port: port 7 is also used by $.listeners.inbound.port')]);
});

it('rejects a reload that moves a further inbound listener (its address is part of the pod spec) and keeps serving', async () => {
  const config = inbound.proxy.runtime.config;
  const moved = { ...config, listeners: { ...config.listeners, inboundPorts: config.listeners.inboundPorts.map((p) => ({ ...p, port: p.port + 1 })) } };
  expect(await inbound.proxy.reload(JSON.stringify(moved))).toBe(false);
  expect(inbound.proxy.reloads.lastError?.message).toContain('listener addresses changed');
  const ok = await say('frontend', 'after reload');
  expect(ok.error).toBeNull();
});
