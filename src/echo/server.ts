/**
 * `weft echo`: the workload that stands in for every application in a local mesh and in the
 * verification overlay. It answers every request with who served it and what it received, in
 * JSON, counts attempts per x-request-id, obeys query controls (./controls.ts) and forwards
 * calls through its outbound proxy on request (./forward.ts).
 *
 * Reserved paths: `/__weft/forward` (POST, see forward.ts; also under any prefix, e.g.
 * `/weft-probe/<ns>/<caller>/__weft/forward`, the path the verification overlay's gateway
 * routes to a probe client), `/__weft/forward-grpc` (POST, gRPC calls, forward-grpc.ts) and
 * `/__weft/forward-tcp` (POST, TCP connections, forward-tcp.ts), under the same prefixes, `/__weft/seen?prefix=P` (arrivals of request ids with that prefix,
 * for mirror checks), `/__weft/healthz`.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { arrivalKey, AttemptCounter } from './attempts';
import { chooseStatus, controlsFor, EchoControlError, parseControls } from './controls';
import { ForwardError, Forwarder, parseForwardBatch } from './forward';
import { GrpcForwarder, parseGrpcForwardBatch } from './forward-grpc';
import { forwardTcp, parseTcpForwardBatch } from './forward-tcp';

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
  /** Where `WEFT_UPSTREAM_*` bind addresses are read (the TCP forward endpoint, ./forward-tcp.ts). @default process.env */
  env?: NodeJS.ProcessEnv;
  /**
   * Port of this workload's gRPC echo (./grpc.ts): connections that open with the HTTP/2
   * preface (h2c, RFC 9113 §3.4) are relayed to it, so one application port serves gRPC to the
   * sidecar and HTTP/1.1 (the control endpoints, /__weft/seen) to the verifier.
   */
  h2Relay?: number;
  /** Shared with the gRPC echo, so that arrivals of both protocols count in one place. @default a new counter */
  attempts?: AttemptCounter;
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
  readonly attempts: AttemptCounter;
  private readonly server: http.Server;
  private readonly forwarder: Forwarder;
  private readonly grpcForwarder: GrpcForwarder;
  private readonly sockets = new Set<import('node:net').Socket>();

  get identity(): EchoIdentity {
    return { service: this.options.service, version: this.options.version, instance: this.options.instance };
  }

  constructor(private readonly options: EchoOptions) {
    this.attempts = options.attempts ?? new AttemptCounter();
    this.forwarder = new Forwarder(options.proxy);
    this.grpcForwarder = new GrpcForwarder(options.proxy);
    this.server = http.createServer({ keepAliveTimeout: 5_000 }, (req, res) => void this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
  }

  private front?: net.Server;

  async listen(): Promise<number> {
    const relay = this.options.h2Relay;
    const server: net.Server = relay === undefined ? this.server : (this.front = net.createServer((socket) => this.sniff(socket, relay)));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  /** h2c (the connection preface's first bytes, "PRI ") goes to the gRPC echo; anything else is HTTP/1.1. */
  private sniff(socket: net.Socket, relay: number): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.once('error', () => socket.destroy());
    socket.once('data', (first: Buffer) => {
      socket.pause();
      if (first.subarray(0, 4).toString('latin1') !== 'PRI ') {
        socket.unshift(first);
        this.server.emit('connection', socket);
        socket.resume();
        return;
      }
      const upstream = net.connect(relay, '127.0.0.1', () => {
        upstream.write(first);
        socket.pipe(upstream).pipe(socket);
        socket.resume();
      });
      this.sockets.add(upstream);
      upstream.once('close', () => (this.sockets.delete(upstream), socket.destroy()));
      upstream.once('error', () => upstream.destroy());
      socket.once('close', () => upstream.destroy());
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (this.front) await new Promise<void>((resolve) => this.front!.close(() => resolve()));
    await this.forwarder.close();
    this.grpcForwarder.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://echo');
    try {
      if (url.pathname === '/__weft/healthz') return send(res, 200, { ok: true });
      // Who counted, too: in a cluster the verifier reads every instance's count through a probe client's sidecar.
      if (url.pathname === '/__weft/seen') return send(res, 200, { ...this.attempts.countPrefix(url.searchParams.get('prefix') ?? ''), ...this.identity });
      if (url.pathname.endsWith('/__weft/forward') && req.method === 'POST') return await this.forward(req, res);
      if (url.pathname.endsWith('/__weft/forward-grpc') && req.method === 'POST') return await this.forwardGrpc(req, res);
      if (url.pathname.endsWith('/__weft/forward-tcp') && req.method === 'POST') return send(res, 200, await forwardTcp(parseTcpForwardBatch(await jsonBody(req)), this.options.env ?? process.env));
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
    const batch = parseForwardBatch(await jsonBody(req));
    send(res, 200, { results: await this.forwarder.run(batch) });
  }

  /** gRPC calls through this workload's outbound proxy (./forward-grpc.ts). */
  private async forwardGrpc(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const batch = parseGrpcForwardBatch(await jsonBody(req));
    send(res, 200, { results: await this.grpcForwarder.run(batch) });
  }
}

async function jsonBody(req: IncomingMessage): Promise<unknown> {
  const text = (await drain(req)).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new ForwardError('the body must be JSON');
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
