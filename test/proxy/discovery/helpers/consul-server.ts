/**
 * A small Consul-API-compatible server for discovery tests. Consul itself is not installable
 * here, so this implements the one endpoint the proxy uses, as documented:
 * `GET /v1/health/service/<name>?passing&tag=&index=&wait=` answering `[{Node, Service, Checks}]`
 * with `X-Consul-Index`, and blocking queries — a request whose `index` equals the current one
 * waits until the catalog changes or `wait` elapses. `stop()`/`restart()` take the agent down
 * (connections refused) and bring it back on the same port.
 * @see https://developer.hashicorp.com/consul/api-docs/health#list-service-instances-for-service
 * @see https://developer.hashicorp.com/consul/api-docs/features/blocking
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Instance {
  id: string;
  service: string;
  address: string;
  port: number;
  tags: string[];
  passing: boolean;
}

function parseDuration(s: string | null): number {
  const m = /^(\d+)(ms|s|m)?$/.exec(s ?? '');
  if (!m) return 300_000;
  const n = Number(m[1]);
  return m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000;
}

export class TestConsul {
  port = 0;
  index = 1;
  requests = 0;
  private server: Server | null = null;
  private readonly instances = new Map<string, Instance>();
  private waiters = new Set<() => void>();
  private readonly sockets = new Set<Socket>();

  static async start(): Promise<TestConsul> {
    const c = new TestConsul();
    await c.restart();
    return c;
  }

  register(i: Instance): void {
    this.instances.set(i.id, i);
    this.bump();
  }

  deregister(id: string): void {
    this.instances.delete(id);
    this.bump();
  }

  private bump(): void {
    this.index++;
    const w = this.waiters;
    this.waiters = new Set();
    for (const f of w) f();
  }

  private readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    this.requests++;
    const url = new URL(req.url ?? '/', 'http://consul');
    const m = /^\/v1\/health\/service\/([^/]+)$/.exec(url.pathname);
    if (req.method !== 'GET' || !m) return void res.writeHead(404).end('not found');
    const name = decodeURIComponent(m[1]!);
    const passingOnly = url.searchParams.has('passing');
    const tag = url.searchParams.get('tag');
    const index = Number(url.searchParams.get('index') ?? '0');
    const answer = (): void => {
      const list = [...this.instances.values()].filter((i) => i.service === name && (!passingOnly || i.passing) && (!tag || i.tags.includes(tag)));
      const body = JSON.stringify(
        list.map((i) => ({
          Node: { Node: `node-${i.id}`, Address: '127.0.0.9', Datacenter: 'dc1' },
          Service: { ID: i.id, Service: i.service, Tags: i.tags, Address: i.address, Port: i.port, Weights: { Passing: 1, Warning: 1 } },
          Checks: [{ CheckID: 'serfHealth', Status: i.passing ? 'passing' : 'critical' }],
        })),
      );
      if (!res.destroyed) res.writeHead(200, { 'content-type': 'application/json', 'x-consul-index': String(this.index), 'x-consul-knownleader': 'true' }).end(body);
    };
    if (index > 0 && index >= this.index) {
      const timer = setTimeout(() => {
        this.waiters.delete(wake);
        answer();
      }, parseDuration(url.searchParams.get('wait')));
      const wake = (): void => {
        clearTimeout(timer);
        answer();
      };
      this.waiters.add(wake);
      res.on('close', () => {
        clearTimeout(timer);
        this.waiters.delete(wake);
      });
      return;
    }
    answer();
  };

  /** Takes the agent down: the port stops accepting and open connections are cut. */
  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    for (const sock of this.sockets) sock.destroy();
    await new Promise((r) => s.close(r));
  }

  async restart(): Promise<void> {
    const server = createServer(this.handle);
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  get address(): string {
    return `http://127.0.0.1:${this.port}`;
  }
}
