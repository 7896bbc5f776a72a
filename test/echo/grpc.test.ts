import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttemptCounter } from '../../src/echo/attempts';
import { ECHO_PROTO, GrpcEcho } from '../../src/echo/grpc';
import { EchoServer } from '../../src/echo/server';

type Client = grpc.Client & { Call(req: object, md: grpc.Metadata, cb: (e: grpc.ServiceError | null, r: Record<string, unknown>) => void): void };

describe('gRPC echo over a real HTTP/2 connection', () => {
  let server: GrpcEcho;
  let client: Client;

  beforeAll(async () => {
    server = new GrpcEcho({ service: 'trade-service', version: 'v1', instance: 'trade-service-v1-0' }, new AttemptCounter());
    const port = await server.listen('127.0.0.1', 0);
    const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(ECHO_PROTO, { defaults: true })) as any;
    client = new pkg.weft.echo.v1.Echo(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as Client;
  });
  afterAll(async () => {
    client.close();
    await server.close();
  });

  const call = (req: object, id: string) =>
    new Promise<{ error: grpc.ServiceError | null; reply?: Record<string, unknown> }>((resolve) => {
      const md = new grpc.Metadata();
      md.set('x-request-id', id);
      client.Call(req, md, (error, reply) => resolve({ error, reply }));
    });

  it('answers who served the call, with the metadata and the attempt', async () => {
    const { error, reply } = await call({ message: 'hi' }, 'g-1');
    expect(error).toBeNull();
    expect(reply).toMatchObject({ service: 'trade-service', version: 'v1', instance: 'trade-service-v1-0', message: 'hi', attempt: 1, protocol: 'gRPC' });
    expect((reply!.metadata as Record<string, string>)['x-request-id']).toBe('g-1');
  });

  it('fails with the requested gRPC status for the first n attempts', async () => {
    const first = await call({ status: grpc.status.UNAVAILABLE, succeedAfter: 1 }, 'g-2');
    expect(first.error?.code).toBe(grpc.status.UNAVAILABLE);
    const second = await call({ status: grpc.status.UNAVAILABLE, succeedAfter: 1 }, 'g-2');
    expect(second.error).toBeNull();
    expect(second.reply!.attempt).toBe(2);
    const always = await call({ status: grpc.status.RESOURCE_EXHAUSTED }, 'g-3');
    expect(always.error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  });
});

describe('one echo port for the sidecar: h2c relayed to the gRPC echo, HTTP/1.1 served', () => {
  let grpcServer: GrpcEcho;
  let echo: EchoServer;
  let client: Client;
  let port: number;
  const attempts = new AttemptCounter();

  beforeAll(async () => {
    const identity = { service: 'trade-service', version: 'v1', instance: 'trade-service-v1-0' };
    grpcServer = new GrpcEcho(identity, attempts);
    const grpcPort = await grpcServer.listen('127.0.0.1', 0);
    echo = new EchoServer({ ...identity, host: '127.0.0.1', port: 0, h2Relay: grpcPort, attempts });
    port = await echo.listen();
    const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(ECHO_PROTO, { defaults: true })) as any;
    client = new pkg.weft.echo.v1.Echo(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as Client;
  });
  afterAll(async () => {
    client.close();
    await echo.close();
    await grpcServer.close();
  });

  it('answers a gRPC call on the HTTP port, and counts it where /__weft/seen reads', async () => {
    const reply = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const md = new grpc.Metadata();
      md.set('x-request-id', 'relay-1');
      client.Call({ message: 'via relay' }, md, (e, r) => (e ? reject(e) : resolve(r)));
    });
    expect(reply).toMatchObject({ service: 'trade-service', message: 'via relay', protocol: 'gRPC', attempt: 1 });
    const seen = await (await fetch(`http://127.0.0.1:${port}/__weft/seen?prefix=grpc:relay-`)).json();
    expect(seen).toMatchObject({ ids: 1, arrivals: 1 });
    const http1 = await (await fetch(`http://127.0.0.1:${port}/plain`)).json();
    expect(http1).toMatchObject({ service: 'trade-service', path: '/plain', protocol: 'HTTP/1.1' });
  });

  it('answers after delay_ms, and a call whose deadline passes first gets DEADLINE_EXCEEDED', async () => {
    const timed = (req: object, deadlineMs: number) =>
      new Promise<{ code: number; ms: number }>((resolve) => {
        const start = performance.now();
        (client as any).Call(req, new grpc.Metadata(), { deadline: new Date(Date.now() + deadlineMs) }, (e: grpc.ServiceError | null) => resolve({ code: e?.code ?? 0, ms: performance.now() - start }));
      });
    const slow = await timed({ delayMs: 300 }, 20_000);
    expect(slow.code).toBe(grpc.status.OK);
    expect(slow.ms).toBeGreaterThanOrEqual(290);
    const late = await timed({ delayMs: 5000 }, 200);
    expect(late.code).toBe(grpc.status.DEADLINE_EXCEEDED);
  });
});


describe('the raw TCP echo', () => {
  it('names itself first on every connection, then echoes the bytes', async () => {
    const { TcpEcho } = await import('../../src/echo/tcp');
    const { connect } = await import('node:net');
    const echo = new TcpEcho({ service: 'store', version: 'v2', instance: 'store-v2-0' });
    const port = await echo.listen('127.0.0.1', 0);
    try {
      const text = await new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1');
        let got = '';
        socket.setEncoding('utf8');
        socket.on('error', reject);
        socket.on('data', (chunk: string) => {
          if (!got) socket.write('ping\n');
          got += chunk;
          if (got.endsWith('ping\n')) {
            socket.destroy();
            resolve(got);
          }
        });
      });
      const [first, second] = text.split('\n');
      expect(JSON.parse(first!)).toEqual({ service: 'store', version: 'v2', instance: 'store-v2-0', protocol: 'tcp' });
      expect(second).toBe('ping');
    } finally {
      await echo.close();
    }
  });
});
