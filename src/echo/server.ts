/**
 * `weft echo`: the workload that stands in for every application in a local mesh and in the
 * verification overlay. It answers every request with who served it and what it received, in
 * JSON, counts attempts per x-request-id, obeys query controls (./controls.ts) and forwards
 * calls through its outbound proxy on request (./forward.ts).
 *
 * Reserved paths: `/__weft/forward` (POST, see forward.ts; also under any prefix, e.g.
 * `/weft-probe/<ns>/<caller>/__weft/forward`, the path the verification overlay's gateway
 * routes to a probe client), `/__weft/seen?prefix=P` (arrivals of request ids with that prefix,
 * for mirror checks), `/__weft/healthz`.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { arrivalKey, AttemptCounter } from './attempts';
import { chooseStatus, controlsFor, EchoControlError, parseControls } from './controls';
import { ForwardError, Forwarder, parseForwardBatch } from './forward';

export interface EchoIdentity {
  service: string;
  version: string;
  instance: string;
}

export interface EchoOptions extends EchoIdentity {
  host?: string;
  port?: number;
  /**
   * Origin of this workload's outbound proxy, for the forward endpoint (e.g. http://127.0.0.1:15001).
   * Without it the forward endpoint connects to the authority itself, as an application under
   * a transparent (iptables) sidecar does.
   */
  proxy?: string;
  /** The verification overlay's tag, echoed in every answer: the verifier waits for it (readiness on a cluster). */
  tag?: string;
}

/** The JSON body of every echo answer. */
export interface EchoReply extends EchoIdentity {
  method: string;
  path: string;
  query: Record<string, string[]>;
  host: string;
  headers: Record<string, string>;
  protocol: string;
  /** TLS peer identity (URI SAN of the client certificate), null on plaintext. */
  peer: string | null;
  /** The caller's identity as its proxy declared it (x-weft-peer), if any. */
  peerMetadata: string | null;
  requestId: string | null;
  attempt: number;
  /** The overlay tag this workload was started with (WEFT_ECHO_TAG), when any. */
  tag?: string;
}

const MAX_BODY = 1024 * 1024;

export class EchoServer {
  readonly attempts = new AttemptCounter();
  private readonly server: http.Server;
  private readonly forwarder: Forwarder;
  private readonly sockets = new Set<import('node:net').Socket>();

  get identity(): EchoIdentity {
    return { service: this.options.service, version: this.options.version, instance: this.options.instance };
  }

  constructor(private readonly options: EchoOptions) {
    this.forwarder = new Forwarder(options.proxy);
    this.server = http.createServer({ keepAliveTimeout: 5_000 }, (req, res) => void this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => resolve());
    });
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.forwarder.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://echo');
    try {
      if (url.pathname === '/__weft/healthz') return send(res, 200, { ok: true });
      if (url.pathname === '/__weft/seen') return send(res, 200, this.attempts.countPrefix(url.searchParams.get('prefix') ?? ''));
      if (url.pathname.endsWith('/__weft/forward') && req.method === 'POST') return await this.forward(req, res);
      await this.echo(req, res, url);
    } catch (error) {
      if (error instanceof EchoControlError || error instanceof ForwardError) return send(res, 400, { error: error.code, message: error.message });
      if (!res.headersSent) send(res, 500, { error: 'WEFT_ECHO_INTERNAL', message: (error as Error).message });
      else res.destroy();
    }
  }

  private async echo(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const controls = controlsFor(parseControls(url.searchParams), this.options.instance);
    const requestId = header(req, 'x-request-id');
    const attempt = this.attempts.arrive(arrivalKey(requestId, header(req, 'host') ?? ''));
    await drain(req);
    if (controls.delayMs && (controls.delayAttempts === undefined || attempt <= controls.delayAttempts)) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, controls.delayMs);
        req.socket.once('close', () => {
          clearTimeout(t);
          resolve();
        });
      });
      if (req.socket.destroyed) return;
    }
    if (controls.reset && (controls.succeedAfter === undefined || attempt <= controls.succeedAfter)) {
      req.socket.destroy();
      return;
    }
    const query: Record<string, string[]> = {};
    for (const [k, v] of url.searchParams) (query[k] ??= []).push(v);
    const headers: Record<string, string> = {};
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const k = req.rawHeaders[i]!.toLowerCase();
      headers[k] = headers[k] === undefined ? req.rawHeaders[i + 1]! : `${headers[k]}, ${req.rawHeaders[i + 1]}`;
    }
    const tls = req.socket as Partial<TLSSocket>;
    const cert = tls.encrypted ? tls.getPeerCertificate?.() : undefined;
    const reply: EchoReply = {
      service: this.options.service,
      version: this.options.version,
      instance: this.options.instance,
      method: req.method ?? 'GET',
      path: url.pathname,
      query,
      host: headers.host ?? '',
      headers,
      protocol: `HTTP/${req.httpVersion}`,
      peer: cert?.subjectaltname?.split(', ').find((s) => s.startsWith('URI:'))?.slice(4) ?? null,
      peerMetadata: headers['x-weft-peer'] ?? null,
      requestId,
      attempt,
      ...(this.options.tag !== undefined ? { tag: this.options.tag } : {}),
    };
    const status = chooseStatus(controls, attempt);
    let body = JSON.stringify(reply);
    if (controls.size !== undefined && body.length < controls.size) body = JSON.stringify({ ...reply, padding: 'x'.repeat(controls.size - body.length - 14) });
    res.setHeader('x-weft-echo-service', this.options.service);
    res.setHeader('x-weft-echo-version', this.options.version);
    res.setHeader('x-weft-echo-instance', this.options.instance);
    res.setHeader('x-weft-echo-attempt', String(attempt));
    if (controls.grpcStatus !== undefined) res.setHeader('grpc-status', String(controls.grpcStatus));
    for (const [k, v] of controls.headers) res.appendHeader(k, v);
    send(res, status, body);
  }

  private async forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = (await drain(req)).toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ForwardError('the body must be JSON');
    }
    const batch = parseForwardBatch(parsed);
    send(res, 200, { results: await this.forwarder.run(batch) });
  }
}

function header(req: IncomingMessage, name: string): string | null {
  const v = req.headers[name];
  return Array.isArray(v) ? (v[0] ?? null) : (v ?? null);
}

async function drain(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= MAX_BODY) chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
