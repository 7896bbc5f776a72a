/**
 * Istio's `grpc_response_status` label: the gRPC status code a gRPC call ended with — from the
 * upstream's trailers, from a trailers-only response, or the status the proxy mapped a local
 * reply to (server/h2/response-writer.ts) — and '' for requests that are not gRPC.
 * @see https://istio.io/latest/docs/reference/config/metrics/#labels
 * @see https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md#responses
 */
import type { Exchange } from './exchange';

export function grpcResponseStatus(ex: Exchange): string {
  // gRPC is HTTP/2 only: HTTP/1.1 requests never pay for the header scan.
  if (ex.protocol !== 'HTTP/2') return '';
  if (ex.grpcStatus !== '') return ex.grpcStatus;
  if (!(ex.header('content-type')?.startsWith('application/grpc') ?? false)) return '';
  const t = ex.responseTrailers;
  if (t) for (let i = 0; i < t.length; i += 2) if (t[i] === 'grpc-status') return t[i + 1]!;
  return '';
}
