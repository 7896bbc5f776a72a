/**
 * The echo's gRPC service (`weft.echo.v1.Echo/Call`, src/echo/echo.proto) on @grpc/grpc-js:
 * the gRPC equivalent of the HTTP echo, for gRPC routes. It shares the attempt counter per
 * x-request-id (counted as `grpc:<id>`); `status` fails the call with that gRPC status (retry-on
 * `unavailable`, `resource-exhausted`, … classes), `succeed_after` only for the first n attempts,
 * `delay_ms` answers late (deadlines, route timeouts).
 * @see https://grpc.github.io/grpc/core/md_doc_statuscodes.html
 */
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { AttemptCounter } from './attempts';
import type { EchoIdentity } from './server';

export const ECHO_PROTO = fileURLToPath(new URL('./echo.proto', import.meta.url));

interface EchoRequest {
  message: string;
  status: number;
  succeedAfter: number;
  delayMs: number;
}

export function echoServiceDefinition(): grpc.ServiceDefinition {
  const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(ECHO_PROTO, { keepCase: false, defaults: true })) as unknown as {
    weft: { echo: { v1: { Echo: grpc.ServiceClientConstructor } } };
  };
  return pkg.weft.echo.v1.Echo.service;
}

export class GrpcEcho {
  private readonly server = new grpc.Server();

  /** @param tag the overlay's tag, answered in every reply (cluster readiness) */
  constructor(identity: EchoIdentity, attempts: AttemptCounter, tag?: string) {
    this.server.addService(echoServiceDefinition(), {
      Call: (call: grpc.ServerUnaryCall<EchoRequest, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        const metadata: Record<string, string> = {};
        for (const [k, v] of Object.entries(call.metadata.getMap())) metadata[k] = String(v);
        const requestId = metadata['x-request-id'];
        const attempt = attempts.arrive(requestId ? `grpc:${requestId}` : undefined);
        const req = call.request;
        const answer = (): void => {
          const fail = req.status !== 0 && (req.succeedAfter === 0 || attempt <= req.succeedAfter);
          if (fail) callback({ code: req.status, details: `weft echo: status ${req.status} on attempt ${attempt}` });
          else callback(null, { ...identity, message: req.message, metadata, attempt, protocol: 'gRPC', ...(tag ? { tag } : {}) });
        };
        if (req.delayMs <= 0) return answer();
        // A cancelled call (the caller's deadline, the proxy's timeout) stops waiting.
        const timer = setTimeout(answer, req.delayMs);
        call.once('cancelled', () => clearTimeout(timer));
      },
    });
  }

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => this.server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.tryShutdown(() => resolve()));
  }
}
