/**
 * HTTP CONNECT on the outbound listener over real sockets: a real @grpc/grpc-js client that
 * reaches its server through the proxy the way it does in a pod (the `grpc_proxy` environment
 * variable, CONNECT, then h2c inside the tunnel) with the proxy's routing, retries and metrics
 * applied; a raw TCP client through a TCP route reached only by CONNECT; HTTP/1.1 inside a
 * tunnel; 404 NR for an undeclared authority and 405 on the inbound listener.
 */
import { connect as netConnect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricsText, requestsTotal, startProxy, type TestProxy } from '../helpers/proxy';
import { startUpstream, type Upstream } from '../helpers/upstream';

type Reply = { text: string; attempt: number };
type EchoClient = grpc.Client & { Say(req: object, md: grpc.Metadata, opts: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r?: Reply) => void): grpc.ClientUnaryCall };

const definition = protoLoader.loadSync(join(__dirname, '../h2/fixtures/echo.proto'), { keepCase: false, defaults: true });
const proto = grpc.loadPackageDefinition(definition) as unknown as { weft: { test: { Echo: grpc.ServiceClientConstructor } } };
const attempts = new Map<string, number>();
let grpcServer: grpc.Server;
let grpcPort: number;
let tcpEcho: Server;
let tcpPort: number;
let web: Upstream;
let p: TestProxy;
const sockets = new Set<Socket>();

beforeAll(async () => {
  grpcServer = new grpc.Server();
  grpcServer.addService(proto.weft.test.Echo.service, {
    Say: (call: grpc.ServerUnaryCall<{ id: string; text: string; failTimes: number }, Reply>, cb: grpc.sendUnaryData<Reply>) => {
      const { id, text, failTimes } = call.request;
      const n = (attempts.get(id) ?? 0) + 1;
      attempts.set(id, n);
      if (n <= failTimes) return cb({ code: grpc.status.UNAVAILABLE, details: `attempt ${n} refused` });
      cb(null, { text: `echo ${text}`, attempt: n });
    },
  });
  grpcPort = await new Promise<number>((resolve, reject) => grpcServer.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, port) => (e ? reject(e) : resolve(port))));
  tcpEcho = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
    s.pipe(s);
  });
  tcpPort = await new Promise<number>((r) => tcpEcho.listen(0, '127.0.0.1', () => r((tcpEcho.address() as { port: number }).port)));
  web = await startUpstream('web');
  p = await startProxy({
    workload: { service: 'client', namespace: 'shop', version: 'v1' },
    listeners: { outbound: { host: '127.0.0.1', port: 0 }, inbound: { host: '127.0.0.1', port: 0, app: { port: web.port } }, admin: { port: 0 } },
    services: [
      { name: 'echo', namespace: 'shop', protocol: 'http2', hosts: ['echo.shop:50051'], subsets: [{ name: 'v1', endpoints: [{ address: '127.0.0.1', port: grpcPort }] }] },
      { name: 'web', namespace: 'shop', hosts: ['web.shop:80'], subsets: [{ name: 'v1', endpoints: [{ address: '127.0.0.1', port: web.port }] }] },
      { name: 'db', namespace: 'shop', subsets: [{ name: 'v1', endpoints: [{ address: '127.0.0.1', port: tcpPort }] }] },
    ],
    routes: [{ name: 'echo', hosts: ['echo.shop:50051'], action: { type: 'forward', destinations: [{ service: 'echo' }] }, retries: { attempts: 2, retryOn: ['unavailable'] } }],
    tcpListeners: [{ name: 'db', connectAuthorities: ['db.shop:5432'], destinations: [{ service: 'db', subset: 'v1' }] }],
  } as never);
});
afterAll(async () => {
  await p?.close();
  grpcServer?.forceShutdown();
  for (const s of sockets) s.destroy();
  await new Promise<void>((r) => tcpEcho.close(() => r()));
  await web?.close();
});

/** Opens a CONNECT tunnel; resolves with the status line and the socket (bytes after the head stay unread). */
function tunnel(port: number, authority: string, early = ''): Promise<{ status: number; socket: Socket; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: '127.0.0.1', port });
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => (socket.destroy(), reject(new Error('no CONNECT answer'))), 10_000);
    socket.once('connect', () => socket.write(`CONNECT ${authority} HTTP/1.1\r\nhost: ${authority}\r\n\r\n${early}`));
    const onData = (c: Buffer): void => {
      buf = Buffer.concat([buf, c]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      clearTimeout(timer);
      socket.off('data', onData);
      resolve({ status: Number(buf.toString('latin1', 9, 12)), socket, rest: buf.subarray(end + 4) });
    };
    socket.on('data', onData);
    socket.on('error', reject);
  });
}

function readUntil(socket: Socket, initial: Buffer, done: (b: Buffer) => boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buf = initial;
    if (done(buf)) return resolve(buf);
    const timer = setTimeout(() => reject(new Error(`timed out with ${JSON.stringify(buf.toString())}`)), 10_000);
    socket.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      if (done(buf)) {
        clearTimeout(timer);
        resolve(buf);
      }
    });
  });
}

describe('CONNECT on the outbound listener', () => {
  it('carries a grpc-js client that uses the proxy through grpc_proxy, with the route\'s retries and metrics', async () => {
    const saved = process.env.grpc_proxy;
    process.env.grpc_proxy = `http://127.0.0.1:${p.outbound}`;
    try {
      const c = new proto.weft.test.Echo('echo.shop:50051', grpc.credentials.createInsecure(), { 'grpc.enable_retries': 0 }) as unknown as EchoClient;
      const call = (req: object) => new Promise<{ error: grpc.ServiceError | null; reply?: Reply }>((resolve) => c.Say(req, new grpc.Metadata(), { deadline: Date.now() + 10_000 }, (error, reply) => resolve({ error, reply })));
      const ok = await call({ id: 'a', text: 'hi', failTimes: 0 });
      expect(ok.error).toBeNull();
      expect(ok.reply).toMatchObject({ text: 'echo hi', attempt: 1 });
      // The first attempt answers UNAVAILABLE: the proxy's route retries it (the client itself does not retry).
      const retried = await call({ id: 'b', text: 'again', failTimes: 1 });
      expect(retried.error).toBeNull();
      expect(retried.reply).toMatchObject({ attempt: 2 });
      c.close();
    } finally {
      if (saved === undefined) delete process.env.grpc_proxy;
      else process.env.grpc_proxy = saved;
    }
    const m = await metricsText(p.admin);
    expect(requestsTotal(m, 'reporter="source"', 'destination_service_name="echo"')).toBeGreaterThanOrEqual(2);
  });

  it('pipes a raw TCP connection to a TCP route reached only by CONNECT, bytes sent right after the head included', async () => {
    const t = await tunnel(p.outbound, 'db.shop:5432', 'early-');
    expect(t.status).toBe(200);
    t.socket.write('hello');
    const echoed = await readUntil(t.socket, t.rest, (b) => b.toString().includes('early-hello'));
    expect(echoed.toString()).toBe('early-hello');
    t.socket.end();
    await new Promise<void>((r) => t.socket.once('close', () => r()));
    // istio_tcp_* of the route (closed and bytes are counted when the connection ends).
    let m = '';
    for (let i = 0; i < 100 && !/istio_tcp_connections_closed_total\{[^}]*destination_service_name="db"/.test(m); i++) {
      m = await metricsText(p.admin);
      if (!m.includes('istio_tcp_connections_closed_total')) await new Promise((r) => setTimeout(r, 20));
    }
    expect(m).toMatch(/istio_tcp_connections_opened_total\{[^}]*destination_service_name="db"[^}]*\} 1/);
    expect(m).toMatch(/istio_tcp_received_bytes_total\{[^}]*destination_service_name="db"[^}]*\} 11/);
  });

  it('serves HTTP/1.1 inside a tunnel to an HTTP service, routed by the request\'s Host', async () => {
    const t = await tunnel(p.outbound, 'web.shop:80');
    expect(t.status).toBe(200);
    t.socket.write('GET /in-tunnel HTTP/1.1\r\nhost: web.shop:80\r\nconnection: close\r\n\r\n');
    const reply = (await readUntil(t.socket, t.rest, (b) => b.toString().includes('"url"'))).toString();
    expect(reply.startsWith('HTTP/1.1 200')).toBe(true);
    expect(reply).toContain('x-upstream: web');
    expect(reply).toContain('/in-tunnel');
    t.socket.destroy();
  });

  it('answers 404 for an authority no route or service declares, and 405 on the inbound listener', async () => {
    const unknown = await tunnel(p.outbound, 'evil.example.com:443');
    expect(unknown.status).toBe(404);
    unknown.socket.destroy();
    const inbound = await tunnel(p.inbound, 'db.shop:5432');
    expect(inbound.status).toBe(405);
    inbound.socket.destroy();
  });
});
