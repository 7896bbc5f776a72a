/**
 * Starts the proxy in-process on port 0 from a config object and returns its ports, plus small
 * HTTP helpers that talk to it over real sockets.
 */
import { request as httpRequest, Agent } from 'node:http';
import { parseProxyConfig, hashConfig, type LoadedConfig } from '../../../src/proxy/config/load';
import type { ProxyConfigInput } from '../../../src/proxy/config/schema';
import { MemoryLogger } from '../../../src/proxy/log';
import { WeftProxy } from '../../../src/proxy/proxy';

export interface TestProxy {
  proxy: WeftProxy;
  logger: MemoryLogger;
  inbound: number;
  outbound: number;
  admin: number;
  close(): Promise<void>;
}

export const baseWorkload = { service: 'productpage', namespace: 'shop', version: 'v1', instance: 'productpage-v1-abc' };

export function loaded(input: ProxyConfigInput): LoadedConfig {
  const text = JSON.stringify(input);
  return { config: parseProxyConfig(input, '<test>'), hash: hashConfig(text), text };
}

export async function startProxy(input: Partial<ProxyConfigInput> & Pick<ProxyConfigInput, 'listeners'>, opts: { configPath?: string; watch?: boolean } = {}): Promise<TestProxy> {
  const full = { version: 1 as const, workload: baseWorkload, ...input } as ProxyConfigInput;
  const logger = new MemoryLogger();
  const proxy = await WeftProxy.start({ config: loaded(full), logger, ...opts });
  return {
    proxy,
    logger,
    inbound: proxy.ports.inbound ?? -1,
    outbound: proxy.ports.outbound ?? -1,
    admin: proxy.ports.admin ?? -1,
    close: () => proxy.close(),
  };
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  ms: number;
}

export interface SendOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Absolute-form target: use the proxy as an explicit HTTP proxy. */
  absolute?: boolean;
  agent?: Agent | false;
  timeoutMs?: number;
}

/** Sends one request to 127.0.0.1:port with Host `host`. Resolves on errors too (status 0). */
export function send(port: number, host: string, path: string, o: SendOptions = {}): Promise<Reply> {
  const start = performance.now();
  return new Promise((resolve) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: o.method ?? 'GET',
        path: o.absolute ? `http://${host}${path}` : path,
        headers: { host, ...o.headers },
        agent: o.agent ?? false,
        timeout: o.timeoutMs ?? 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString(), ms: performance.now() - start }));
        res.on('error', () => resolve({ status: -1, headers: res.headers, body: Buffer.concat(chunks).toString(), ms: performance.now() - start }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    req.on('error', (e) => resolve({ status: 0, headers: {}, body: String(e.message), ms: performance.now() - start }));
    if (o.body !== undefined) req.end(o.body);
    else req.end();
  });
}

export const json = (r: Reply): Record<string, any> => JSON.parse(r.body) as Record<string, any>;

export async function metricsText(admin: number): Promise<string> {
  return (await send(admin, '127.0.0.1', '/metrics')).body;
}

/** Sum of istio_requests_total samples whose label text contains every fragment. */
export function requestsTotal(text: string, ...fragments: string[]): number {
  return text
    .split('\n')
    .filter((l) => l.startsWith('istio_requests_total{') && fragments.every((f) => l.includes(f)))
    .reduce((s, l) => s + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
