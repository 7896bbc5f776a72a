/**
 * gRPC probes with @grpc/grpc-js: unary calls of the echo's `weft.echo.v1.Echo/Call`
 * (src/echo/echo.proto) sent to a caller's outbound proxy through an HTTP CONNECT tunnel to the
 * callee's authority, h2c inside — the way a grpc-js application with `http_proxy` set calls a
 * gRPC service behind an explicit sidecar. The
 * proxy's response flags (`x-weft-response-flags`) come back as response metadata: in the
 * headers, or in the trailers of a trailers-only (local) reply.
 * @see https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md
 */
import * as grpc from '@grpc/grpc-js';
import { echoServiceDefinition } from '../../echo/grpc';

/** What the echo is asked to do (the EchoRequest fields) and the call's own deadline. */
export interface GrpcProbeRequest {
  /** gRPC status code the echo fails with (0 = OK). */
  status?: number;
  succeedAfter?: number;
  delayMs?: number;
  /** Client deadline, ms from the call (sent as grpc-timeout). */
  deadlineMs?: number;
  /** Extra metadata (a token). */
  metadata?: Record<string, string>;
}

export interface GrpcEchoReply {
  service: string;
  version: string;
  instance: string;
  attempt: number;
}

export interface GrpcObservation {
  requestId: string;
  /** Final gRPC status code (0 = OK). */
  code: number;
  details: string;
  reply?: GrpcEchoReply;
  flags: string[];
  durationMs: number;
}

type EchoClient = grpc.Client & { Call: (req: unknown, md: grpc.Metadata, options: grpc.CallOptions, cb: (error: grpc.ServiceError | null, reply?: GrpcEchoReply) => void) => grpc.ClientUnaryCall };

/** The call's bound when it sets no deadline itself: no probe waits forever. */
const CALL_BOUND_MS = 30_000;

export class GrpcProber {
  private readonly clients = new Map<string, EchoClient>();
  private readonly Client = grpc.makeClientConstructor(echoServiceDefinition(), 'Echo');

  private client(port: number, authority: string): EchoClient {
    const key = `${port}|${authority}`;
    let c = this.clients.get(key);
    if (!c) {
      // Through the proxy as grpc-js does under http_proxy: CONNECT to the callee's authority, then
      // h2c inside the tunnel (what the outbound listener serves gRPC callers with). The
      // environment's proxy variables are not consulted; client-side retries are off, so every
      // attempt the echo counts is the mesh's.
      c = new this.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
        'grpc.http_connect_target': `dns:${authority}`,
        'grpc.enable_http_proxy': 0,
        'grpc.default_authority': authority,
        'grpc.enable_retries': 0,
      }) as unknown as EchoClient;
      this.clients.set(key, c);
    }
    return c;
  }

  call(port: number, authority: string, request: GrpcProbeRequest, requestId: string): Promise<GrpcObservation> {
    const md = new grpc.Metadata();
    md.set('x-request-id', requestId);
    for (const [k, v] of Object.entries(request.metadata ?? {})) md.set(k, v);
    const start = performance.now();
    const flags = new Set<string>();
    const readFlags = (m: grpc.Metadata): void => {
      for (const v of m.get('x-weft-response-flags')) for (const f of String(v).split(',')) if (f.trim()) flags.add(f.trim());
    };
    return new Promise((resolve) => {
      const deadline = new Date(Date.now() + (request.deadlineMs ?? CALL_BOUND_MS));
      const body = { message: requestId, status: request.status ?? 0, succeedAfter: request.succeedAfter ?? 0, delayMs: request.delayMs ?? 0 };
      let status: grpc.StatusObject | undefined;
      let result: { error: grpc.ServiceError | null; reply?: GrpcEchoReply } | undefined;
      const finish = (): void => {
        if (!status || !result) return;
        readFlags(status.metadata);
        const r = result.reply;
        resolve({
          requestId,
          code: status.code,
          details: status.details,
          ...(r ? { reply: { service: r.service, version: r.version, instance: r.instance, attempt: r.attempt } } : {}),
          flags: [...flags].sort(),
          durationMs: performance.now() - start,
        });
      };
      const call = this.client(port, authority).Call(body, md, { deadline }, (error, reply) => {
        result = { error, reply };
        finish();
      });
      call.on('metadata', readFlags);
      call.on('status', (s: grpc.StatusObject) => {
        status = s;
        finish();
      });
    });
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}
