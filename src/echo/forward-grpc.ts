/**
 * The echo's gRPC forward endpoint, `POST /__weft/forward-grpc` (also under any path prefix, as
 * `/__weft/forward`): the workload makes unary gRPC calls of the echo service
 * (`weft.echo.v1.Echo/Call`, or another method path) to another service through its own
 * outbound proxy — the way a grpc-js application with `http_proxy` set calls through an explicit
 * sidecar (CONNECT to the authority, h2c inside) — or, without one, straight to the authority,
 * which a transparent sidecar captures. So `weft verify --target` checks gRPC routes from inside
 * a cluster with the caller's identity (docs/verify.md, cluster mode).
 *
 * Body: `{ authority, calls: [{ requestId, status?, succeedAfter?, delayMs?, deadlineMs?,
 * metadata?, path? }], concurrency? }`; answer: `{ results: [GrpcObservation] }` in call order.
 */
import { ForwardError, FORWARD_LIMITS } from './forward';
import { GrpcProber, type GrpcObservation, type GrpcProbeRequest } from './grpc-client';

export interface GrpcForwardCall extends GrpcProbeRequest {
  requestId: string;
  path?: string;
}

export interface GrpcForwardBatch {
  authority: string;
  calls: GrpcForwardCall[];
  concurrency: number;
}

/** Calls per batch: a split's planned n fits in one. */
const MAX_CALLS = FORWARD_LIMITS.requests;

export function parseGrpcForwardBatch(value: unknown): GrpcForwardBatch {
  const v = value as Partial<GrpcForwardBatch> | null;
  if (!v || typeof v.authority !== 'string' || !/^[^:/\s]+:\d+$/.test(v.authority)) throw new ForwardError('"authority" (host:port of the gRPC callee) is required');
  if (!Array.isArray(v.calls) || v.calls.length === 0) throw new ForwardError('"calls" must be a non-empty array');
  if (v.calls.length > MAX_CALLS) throw new ForwardError(`at most ${MAX_CALLS} calls per batch`);
  for (const c of v.calls) {
    if (typeof c?.requestId !== 'string' || c.requestId === '') throw new ForwardError('each call needs a "requestId"');
    if (c.path !== undefined && (typeof c.path !== 'string' || !/^\/[^/\s]+\/[^/\s]+$/.test(c.path))) throw new ForwardError('"path" must be a gRPC method path, /<package.Service>/<Method>');
    for (const n of ['status', 'succeedAfter', 'delayMs', 'deadlineMs'] as const) {
      if (c[n] !== undefined && (!Number.isInteger(c[n]) || c[n]! < 0)) throw new ForwardError(`"${n}" must be a non-negative integer`);
    }
  }
  const concurrency = Math.min(FORWARD_LIMITS.concurrency, Math.max(1, Math.floor(v.concurrency ?? 8)));
  return { authority: v.authority, calls: v.calls, concurrency };
}

export class GrpcForwarder {
  private readonly prober = new GrpcProber();

  /** @param proxyOrigin the outbound listener (explicit proxy), e.g. http://127.0.0.1:15001 */
  constructor(private readonly proxyOrigin?: string) {}

  private one(authority: string, call: GrpcForwardCall): Promise<GrpcObservation> {
    const { requestId, path, ...request } = call;
    if (this.proxyOrigin) return this.prober.call(Number(new URL(this.proxyOrigin).port || 80), authority, request, requestId, { path });
    const [host, port] = authority.split(':') as [string, string];
    return this.prober.call(Number(port), authority, request, requestId, { path, route: { direct: 'plaintext', host } });
  }

  async run(batch: GrpcForwardBatch): Promise<GrpcObservation[]> {
    const results = new Array<GrpcObservation>(batch.calls.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < batch.calls.length) {
        const i = next++;
        results[i] = await this.one(batch.authority, batch.calls[i]!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(batch.concurrency, batch.calls.length) }, worker));
    return results;
  }

  close(): void {
    this.prober.close();
  }
}
