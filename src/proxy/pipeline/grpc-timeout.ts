/**
 * gRPC deadlines: a gRPC request's `grpc-timeout` (the client's remaining deadline) bounds the
 * whole request like a route timeout, on top of the route's own (the earlier one fires). Past it
 * the proxy answers 504 UT, which the HTTP/2 writer turns into DEADLINE_EXCEEDED. The header is
 * forwarded unchanged, so the server sees the same deadline. Istio sets Envoy's route
 * `max_grpc_timeout` for the same effect.
 * @see https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md#requests (Timeout)
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#envoy-v3-api-field-config-route-v3-routeaction-maxstreamduration
 */
import { timeoutStep } from './timeout';
import type { Step } from './types';

const UNIT_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 };

/** `grpc-timeout` value → milliseconds (at least 1), or null when absent or malformed. */
export function parseGrpcTimeout(value: string | undefined): number | null {
  if (value === undefined) return null;
  const m = /^(\d{1,8})([HMSmun])$/.exec(value.trim());
  if (!m) return null;
  return Math.max(1, Math.ceil(Number(m[1]) * UNIT_MS[m[2]!]!));
}

export const grpcTimeoutStep: Step = (next) => (ex, handler) => {
  const ms = parseGrpcTimeout(ex.header('grpc-timeout'));
  if (ms === null || !(ex.header('content-type')?.startsWith('application/grpc') ?? false)) return next(ex, handler);
  timeoutStep(ms, false)(next)(ex, handler);
};
