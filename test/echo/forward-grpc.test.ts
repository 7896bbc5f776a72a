/**
 * The echo's gRPC forward endpoint (`POST …/__weft/forward-grpc`, src/echo/forward-grpc.ts):
 * a probe client makes real gRPC calls (HTTP/2, @grpc/grpc-js) for the verifier in cluster mode.
 * Without an outbound proxy it calls the authority itself (what a transparent sidecar captures);
 * the calls through a weft proxy (CONNECT) are covered by test/verify/target-grpc.test.ts.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttemptCounter } from '../../src/echo/attempts';
import { GrpcEcho } from '../../src/echo/grpc';
import { EchoServer } from '../../src/echo/server';

describe('the gRPC forward endpoint', () => {
  let callee: GrpcEcho;
  let calleePort: number;
  let client: EchoServer;
  let clientPort: number;

  beforeAll(async () => {
    callee = new GrpcEcho({ service: 'ledger', version: 'v2', instance: 'ledger-v2-0' }, new AttemptCounter(), 'tag-1');
    calleePort = await callee.listen('127.0.0.1', 0);
    client = new EchoServer({ service: 'client-weft-probe', version: 'probe', instance: 'probe-0' });
    clientPort = await client.listen();
  });
  afterAll(async () => {
    await client.close();
    await callee.close();
  });

  const forward = async (body: unknown, prefix = '') => {
    const res = await request(`http://127.0.0.1:${clientPort}${prefix}/__weft/forward-grpc`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    return { status: res.statusCode, json: (await res.body.json()) as any };
  };

  it('makes each call and answers its status and reply (with the overlay tag), in call order', async () => {
    const { status, json } = await forward(
      {
        authority: `127.0.0.1:${calleePort}`,
        calls: [{ requestId: 'f-1' }, { requestId: 'f-2', status: 14 }, { requestId: 'f-3', path: '/weft.echo.v1.Echo/Other' }, { requestId: 'f-4', delayMs: 2000, deadlineMs: 200 }],
      },
      '/weft-probe/t/client',
    );
    expect(status).toBe(200);
    const results = json.results as { requestId: string; code: number; reply?: Record<string, unknown> }[];
    expect(results.map((r) => [r.requestId, r.code])).toEqual([
      ['f-1', 0],
      ['f-2', 14],
      ['f-3', 12],
      ['f-4', 4],
    ]);
    expect(results[0]!.reply).toEqual({ service: 'ledger', version: 'v2', instance: 'ledger-v2-0', attempt: 1, tag: 'tag-1' });
  });

  it('refuses a malformed batch with a coded 400', async () => {
    for (const body of [{ calls: [{ requestId: 'x' }] }, { authority: 'ledger.t:8080', calls: [] }, { authority: 'ledger.t:8080', calls: [{}] }, { authority: 'ledger.t:8080', calls: [{ requestId: 'x', path: 'Call' }] }, { authority: 'ledger.t:8080', calls: [{ requestId: 'x', status: -1 }] }]) {
      const { status, json } = await forward(body);
      expect(status).toBe(400);
      expect(json.error).toBe('WEFT_ECHO_BAD_FORWARD');
    }
  });
});
