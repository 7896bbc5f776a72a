/**
 * The verifier's gRPC probes: unary calls of the echo's `weft.echo.v1.Echo/Call` through a
 * caller's outbound proxy (CONNECT, then h2c) or straight at an inbound listener (plaintext or
 * mTLS). The client lives with the echo (src/echo/grpc-client.ts), whose gRPC forward endpoint
 * makes the same calls from inside a cluster (cluster mode).
 */
export { GrpcProber, type GrpcCallOptions, type GrpcEchoReply, type GrpcObservation, type GrpcProbeRequest, type GrpcRoute } from '../../echo/grpc-client';
