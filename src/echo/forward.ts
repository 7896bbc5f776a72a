/**
 * The echo's forward endpoint, `POST /__weft/forward`: the workload calls another service
 * through its own outbound proxy (HTTP_PROXY), as the real application would, so that a probe
 * exercises a mesh-internal route from inside the mesh with this workload's identity. In a
 * cluster this is how `weft verify --target` reaches in-mesh routes (docs/verify.md).
 *
 * Body: `{ authority, requests: [{ method, path, headers?, body? }], concurrency? }`; answer:
 * `{ results: [{ status, headers, body, durationMs, error? }] }` in request order.
 */
import { Pool } from 'undici';

export interface ForwardRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface ForwardBatch {
  authority: string;
  requests: ForwardRequest[];
  concurrency?: number;
}

export interface ForwardResult {
  status: number;
  headers: Record<string, string>;
  body: string;
  durationMs: number;
  /** Set when no response arrived (reset, refused): the error code. */
  error?: string;
}

export const FORWARD_LIMITS = { requests: 10_000, concurrency: 64, bodyBytes: 64 * 1024 } as const;

export class ForwardError extends Error {
  readonly code = 'WEFT_ECHO_BAD_FORWARD';
}

export function parseForwardBatch(value: unknown): ForwardBatch {
  const v = value as Partial<ForwardBatch> | null;
  if (!v || typeof v.authority !== 'string' || v.authority === '') throw new ForwardError('"authority" (host[:port] of the callee) is required');
  if (!Array.isArray(v.requests) || v.requests.length === 0) throw new ForwardError('"requests" must be a non-empty array');
  if (v.requests.length > FORWARD_LIMITS.requests) throw new ForwardError(`at most ${FORWARD_LIMITS.requests} requests per call`);
  for (const r of v.requests) {
    if (typeof r?.method !== 'string' || typeof r.path !== 'string' || !r.path.startsWith('/')) throw new ForwardError('each request needs "method" and a "path" starting with "/"');
  }
  const concurrency = Math.min(FORWARD_LIMITS.concurrency, Math.max(1, Math.floor(v.concurrency ?? 8)));
  return { authority: v.authority, requests: v.requests, concurrency };
}

/**
 * Sends the batch through `proxyOrigin` (the outbound listener, explicit proxy) with
 * `Host: authority`; without a proxy, straight to the authority (resolved by DNS), which a
 * transparent sidecar (Istio's iptables capture, Consul's transparent proxy) intercepts.
 */
export class Forwarder {
  private readonly pools = new Map<string, Pool>();

  constructor(private readonly proxyOrigin?: string) {}

  private pool(authority: string): Pool {
    const origin = this.proxyOrigin ?? `http://${authority}`;
    let p = this.pools.get(origin);
    if (!p) {
      p = new Pool(origin, { connections: FORWARD_LIMITS.concurrency, pipelining: 1 });
      this.pools.set(origin, p);
    }
    return p;
  }

  async run(batch: ForwardBatch): Promise<ForwardResult[]> {
    const results = new Array<ForwardResult>(batch.requests.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < batch.requests.length) {
        const i = next++;
        results[i] = await this.one(batch.authority, batch.requests[i]!);
      }
    };
    await Promise.all(Array.from({ length: batch.concurrency ?? 8 }, worker));
    return results;
  }

  private async one(authority: string, r: ForwardRequest): Promise<ForwardResult> {
    const start = performance.now();
    try {
      const res = await this.pool(authority).request({
        method: r.method as 'GET',
        path: r.path,
        headers: { ...r.headers, host: authority },
        body: r.body,
      });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        if (size < FORWARD_LIMITS.bodyBytes) chunks.push(chunk as Buffer);
        size += (chunk as Buffer).length;
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : String(v);
      return { status: res.statusCode, headers, body: Buffer.concat(chunks).toString('utf8').slice(0, FORWARD_LIMITS.bodyBytes), durationMs: performance.now() - start };
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'ERROR';
      return { status: 0, headers: {}, body: '', durationMs: performance.now() - start, error: code };
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.close()));
  }
}
