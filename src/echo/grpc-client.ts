/**
 * gRPC calls with @grpc/grpc-js: unary calls of the echo's `weft.echo.v1.Echo/Call`
 * (./echo.proto) sent to a caller's outbound proxy through an HTTP CONNECT tunnel to the
 * callee's authority, h2c inside — the way a grpc-js application with `http_proxy` set calls a
 * gRPC service behind an explicit sidecar — or straight at a port. The verifier's probes
 * (src/verify/drive/grpc-probe.ts) and the echo's gRPC forward endpoint (./forward-grpc.ts) both
 * call this way. The
 * proxy's response flags (`x-weft-response-flags`) come back as response metadata: in the
 * headers, or in the trailers of a trailers-only (local) reply.
 * @see https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md
 */
import * as grpc from '@grpc/grpc-js';
import { echoServiceDefinition } from './grpc';

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
  /** The verification overlay's tag, when the echo has one. */
  tag?: string;
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

/**
 * How a call reaches the port: through the caller's outbound proxy (a CONNECT tunnel, the
 * default), or straight at a workload's inbound listener — in plaintext h2c, or over mTLS with a
 * workload certificate (the peer proves a SPIFFE identity, not a host name: the mesh CA is
 * trusted and the host name check skipped).
 */
export type GrpcRoute = { direct?: undefined } | { direct: 'plaintext'; host?: string } | { direct: 'mtls'; id: string; ca: Buffer; key: Buffer; cert: Buffer };

/** Options of one call beyond the echo's controls. */
export interface GrpcCallOptions {
  route?: GrpcRoute;
  /** Another method path than the echo's `/weft.echo.v1.Echo/Call` (authorization rules on paths); the echo answers it UNIMPLEMENTED. */
  path?: string;
}

export class GrpcProber {
  private readonly clients = new Map<string, EchoClient>();
  private readonly definition = echoServiceDefinition();
  private readonly Client = grpc.makeClientConstructor(this.definition, 'Echo');

  private client(port: number, authority: string, route: GrpcRoute = {}): EchoClient {
    const host = route.direct === 'plaintext' ? (route.host ?? '127.0.0.1') : '127.0.0.1';
    const key = `${host}:${port}|${authority}|${route.direct === 'mtls' ? `mtls:${route.id}` : (route.direct ?? 'proxy')}`;
    let c = this.clients.get(key);
    if (!c && route.direct) {
      const credentials =
        route.direct === 'mtls' ? grpc.credentials.createSsl(route.ca, route.key, route.cert, { checkServerIdentity: () => undefined }) : grpc.credentials.createInsecure();
      // The TLS server name is the callee's host, not the loopback IP (RFC 6066 forbids an IP as SNI).
      const sni = route.direct === 'mtls' ? { 'grpc.ssl_target_name_override': authority.split(':')[0]! } : {};
      c = new this.Client(`${host}:${port}`, credentials, { 'grpc.enable_http_proxy': 0, 'grpc.default_authority': authority, 'grpc.enable_retries': 0, ...sni }) as unknown as EchoClient;
      this.clients.set(key, c);
    }
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

  call(port: number, authority: string, request: GrpcProbeRequest, requestId: string, options: GrpcCallOptions = {}): Promise<GrpcObservation> {
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
          ...(r ? { reply: { service: r.service, version: r.version, instance: r.instance, attempt: r.attempt, ...(r.tag ? { tag: r.tag } : {}) } } : {}),
          flags: [...flags].sort(),
          durationMs: performance.now() - start,
        });
      };
      const done = (error: grpc.ServiceError | null, reply?: GrpcEchoReply): void => {
        result = { error, reply };
        finish();
      };
      const client = this.client(port, authority, options.route);
      const call = options.path
        ? client.makeUnaryRequest(options.path, this.definition.Call!.requestSerialize, this.definition.Call!.responseDeserialize as (b: Buffer) => GrpcEchoReply, body, md, { deadline }, done)
        : client.Call(body, md, { deadline }, done);
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
