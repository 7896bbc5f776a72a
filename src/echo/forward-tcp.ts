/**
 * The echo's TCP forward endpoint, `POST /__weft/forward-tcp` (also under any path prefix, as
 * `/__weft/forward`): the workload opens raw TCP connections to another service the way its
 * application would — in a weft mesh to the local bind port of its sidecar's TCP listener for
 * that service, which the weft target announces in `WEFT_UPSTREAM_<SERVICE>_<PORT>`
 * (src/targets/weft/tcp.ts); without that variable straight to the authority, which Istio's or
 * Consul's transparent capture intercepts — and reports what each connection met: the identity
 * line of the echo's TCP mode and whether its bytes came back (./tcp-client.ts). So
 * `weft verify --target` checks TCP routes from inside a cluster with the caller's identity.
 *
 * Body: `{ authority: "<service>.<namespace>:<port>", connections: [{ requestId }], concurrency? }`;
 * answer: `{ address, results: [TcpObservation] }` in connection order.
 */
import { ForwardError, FORWARD_LIMITS } from './forward';
import { tcpProbe, type TcpObservation } from './tcp-client';

export interface TcpForwardBatch {
  authority: string;
  connections: { requestId: string }[];
  concurrency: number;
}

export function parseTcpForwardBatch(value: unknown): TcpForwardBatch {
  const v = value as Partial<TcpForwardBatch> | null;
  if (!v || typeof v.authority !== 'string' || !/^[^:/\s]+:\d+$/.test(v.authority)) throw new ForwardError('"authority" (<service>.<namespace>:<port> of the TCP callee) is required');
  if (!Array.isArray(v.connections) || v.connections.length === 0) throw new ForwardError('"connections" must be a non-empty array');
  if (v.connections.length > FORWARD_LIMITS.requests) throw new ForwardError(`at most ${FORWARD_LIMITS.requests} connections per batch`);
  for (const c of v.connections) if (typeof c?.requestId !== 'string' || !/^[\w.:-]+$/.test(c.requestId)) throw new ForwardError('each connection needs a "requestId" (letters, digits, . _ : -)');
  const concurrency = Math.min(FORWARD_LIMITS.concurrency, Math.max(1, Math.floor(v.concurrency ?? 8)));
  return { authority: v.authority, connections: v.connections, concurrency };
}

/** `WEFT_UPSTREAM_DATA_SERVICE_5432` for `data-service.commerce:5432` (the weft target's naming). */
export function upstreamVariable(authority: string): string {
  const [host, port] = authority.split(':') as [string, string];
  return `WEFT_UPSTREAM_${host.split('.')[0]!.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_${port}`;
}

/** Where the application connects for `authority`: the announced local bind address, else the authority itself. */
export function tcpAddress(authority: string, env: NodeJS.ProcessEnv): { host: string; port: number } {
  const announced = env[upstreamVariable(authority)];
  const [host, port] = (announced ?? authority).split(':') as [string, string];
  return { host, port: Number(port) };
}

export async function forwardTcp(batch: TcpForwardBatch, env: NodeJS.ProcessEnv): Promise<{ address: string; results: TcpObservation[] }> {
  const address = tcpAddress(batch.authority, env);
  const results = new Array<TcpObservation>(batch.connections.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < batch.connections.length) {
      const i = next++;
      results[i] = await tcpProbe(address.port, batch.connections[i]!.requestId, { host: address.host });
    }
  };
  await Promise.all(Array.from({ length: Math.min(batch.concurrency, batch.connections.length) }, worker));
  return { address: `${address.host}:${address.port}`, results };
}
