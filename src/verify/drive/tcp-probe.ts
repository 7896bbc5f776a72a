/**
 * The verifier's raw TCP probes: a connection through a caller's outbound TCP listener, or
 * straight at an inbound TCP listener (plaintext or mTLS), answered by the echo's TCP mode. The
 * client lives with the echo (src/echo/tcp-client.ts), whose TCP forward endpoint makes the same
 * connections from inside a cluster (cluster mode).
 */
export { holdConnection, tcpProbe, type HeldConnection, type TcpObservation, type TcpProbeOptions } from '../../echo/tcp-client';
