import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttemptCounter } from '../../src/echo/attempts';
import { ECHO_PROTO, GrpcEcho } from '../../src/echo/grpc';

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
