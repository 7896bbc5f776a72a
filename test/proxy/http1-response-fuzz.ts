/**
 * Differential fuzzing of the proxy's HTTP/1.1 *response* codec (cluster/http1-upstream.ts,
 * http1/response-head.ts, the body decoder) against Node's llhttp. Each sample is one random,
 * often malformed response that a raw upstream (node:net) writes before closing. A node:http
 * client (llhttp) fetches it directly, and through the Weft proxy: what the client reads
 * through Weft must be exactly what llhttp read directly — same status, fuzz headers and body —
 * or a refusal (a local 5xx reply: the fuzzed upstream never answers 5xx; or a reset). So Weft
 * never passes on a response llhttp rejects (response smuggling, desync of the pooled upstream
 * connection), and frames every response it passes on as llhttp does. Used by
 * http1-response-fuzz.test.ts (bounded sample) and `npm run fuzz:http`.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { BAD_TE, BAD_VALUES, chunkedBody, mostly, pick, prng, TE, VALUES } from './http1-fuzz';
import { startProxy, type TestProxy } from './helpers/proxy';

/** What a client read: status, the fuzz headers (x-f*), the body; or that it failed. */
export type Read = { status: number; fuzz: string[]; body: string } | { error: string };

/** No 5xx: a 5xx through the proxy is then always the proxy's own refusal. */
const STATUS_LINES = ['HTTP/1.1 200 OK', 'HTTP/1.1 200 ', 'HTTP/1.1 201 Created', 'HTTP/1.0 200 OK', 'HTTP/1.1 404 Not Found', 'HTTP/1.1 204 No Content', 'HTTP/1.1 304 Not Modified', 'HTTP/1.1 418 I\'m a teapot'];
const BAD_STATUS_LINES = ['HTTP/1.1 2000 OK', 'HTTP/1.1 20 OK', 'HTTP/2 200 OK', 'http/1.1 200 OK', 'HTTP/1.1  200 OK', 'HTTP/1.1 200OK', 'HTTP/1.2 200 OK', 'HTTP/1.1 099 X', 'HTTP/1.1 2x0 OK', 'ICY 200 OK'];
/** Responses also get chunk sizes one too large and bodies cut before their last chunk. */
const RESPONSE_CHUNKS = { badSizeRate: 0.04, offByOne: true, truncateRate: 0.05 };

export function responseSample(seed: number): string {
  const r = prng(seed);
  let head = `${mostly(r, STATUS_LINES, BAD_STATUS_LINES)}\r\n`;
  const n = Math.floor(r() * 4);
  for (let i = 0; i < n; i++) head += `${mostly(r, ['x-f' + i, 'X-F' + i], ['x-f' + i + ' ', 'x-f(' + i, ''], 0.06)}:${pick(r, [' ', '', '  ', '\t'])}${mostly(r, VALUES, BAD_VALUES, 0.06)}\r\n`;
  if (r() < 0.1) head += `connection: ${pick(r, ['close', 'keep-alive', 'upgrade'])}\r\n`;
  const payload = pick(r, ['', 'hello', 'a longer body with spaces', '0\r\n\r\n', 'HTTP/1.1 200 OK\r\ncontent-length: 8\r\nx-f9: smuggled\r\n\r\nsmuggled']);
  const framing = r();
  let body = '';
  if (framing < 0.3) {
    head += `content-length: ${payload.length}\r\n`;
    body = payload + (r() < 0.1 ? 'trailing bytes' : '');
  } else if (framing < 0.55) {
    head += `transfer-encoding: ${mostly(r, TE, BAD_TE, 0.25)}\r\n`;
    body = chunkedBody(r, payload, RESPONSE_CHUNKS);
  } else if (framing < 0.62) {
    const variant = pick(r, [`${payload.length}, ${payload.length}`, `+${payload.length}`, `0${payload.length}`, `${payload.length + 3}`, `${payload.length} `, '99999999999999999999', '-1', '']);
    head += `content-length: ${variant}\r\n`;
    body = payload;
  } else if (framing < 0.67) {
    head += `content-length: ${payload.length}\r\ncontent-length: ${pick(r, [payload.length, payload.length + 2])}\r\n`;
    body = payload;
  } else if (framing < 0.72) {
    head += `content-length: ${payload.length}\r\ntransfer-encoding: chunked\r\n`;
    body = r() < 0.5 ? payload : chunkedBody(r, payload, RESPONSE_CHUNKS);
  } else {
    body = payload; // close-delimited (RFC 9112 §6.3 item 8)
  }
  if (r() < 0.03) head += 'x-fold: a\r\n b\r\n';
  let text = head + '\r\n' + body;
  const m = r();
  if (m < 0.03) text = text.replace('\r\n', '\n');
  else if (m < 0.05) text = text.replace(/\r\n(?!\r\n)/, '\r');
  else if (m < 0.07) text = text.replace(/x-f\d:/i, (s) => s.slice(0, -1) + ' :');
  else if (m < 0.09) text = text.slice(0, Math.floor(r() * text.length));
  else if (m < 0.11) text = 'HTTP/1.1 100 Continue\r\n\r\n' + text;
  return text;
}

/** A raw upstream: answers every request on a connection with `current` and closes. */
function rawUpstream(): { server: Server; set(bytes: string): void } {
  let current = '';
  const server = createServer((s: Socket) => {
    s.on('error', () => {});
    let head = '';
    s.on('data', (d: Buffer) => {
      head += d.toString('latin1');
      if (head.includes('\r\n\r\n')) s.end(Buffer.from(current, 'latin1'));
    });
  });
  return { server, set: (bytes) => (current = bytes) };
}

/** GET through node:http (llhttp); bounded. */
function read(port: number, host: string): Promise<Read> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (x: Read): void => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        resolve(x);
      }
    };
    let response: IncomingMessage | null = null;
    const chunks: Buffer[] = [];
    const received = (res: IncomingMessage): Read => {
      const fuzz: string[] = [];
      for (let i = 0; i < res.rawHeaders.length; i += 2) if (res.rawHeaders[i]!.toLowerCase().startsWith('x-f')) fuzz.push(res.rawHeaders[i]!.toLowerCase(), res.rawHeaders[i + 1]!);
      return { status: res.statusCode ?? 0, fuzz, body: Buffer.concat(chunks).toString('latin1') };
    };
    // A response llhttp completed counts even when bytes after it fail to parse: those would be
    // the next response on the connection, and this harness compares one response.
    const failed = (message: string): void => {
      const res = response;
      if (res === null || !res.complete) return done({ error: message });
      if (res.readableEnded) return done(received(res));
      res.once('end', () => done(received(res)));
    };
    const req = httpRequest({ host: '127.0.0.1', port, path: '/fuzz', headers: { host }, agent: false }, (res) => {
      response = res;
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => failed(e.message));
      res.on('aborted', () => failed('aborted'));
      res.on('end', () => (res.complete ? done(received(res)) : failed('incomplete')));
    });
    req.on('error', (e) => failed(e.message));
    const timer = setTimeout(() => {
      req.destroy();
      done({ error: 'timeout' });
    }, 10_000);
    req.end();
  });
}

export interface ResponseFuzzFailure {
  seed: number;
  bytes: string;
  llhttp: Read;
  weft: Read;
}

export interface ResponseFuzzResult {
  samples: number;
  failures: ResponseFuzzFailure[];
  /** Responses both read identically. */
  agreed: number;
  /** Responses llhttp read and Weft refused (allowed: Weft is stricter). */
  stricter: number;
  /** Responses both refused. */
  refused: number;
}

const refusal = (x: Read): boolean => 'error' in x || x.status >= 500;
const same = (a: Read, b: Read): boolean => !('error' in a) && !('error' in b) && a.status === b.status && a.body === b.body && a.fuzz.join('\n') === b.fuzz.join('\n');

export async function fuzzResponses(seeds: readonly number[]): Promise<ResponseFuzzResult> {
  const up = rawUpstream();
  await new Promise<void>((r) => up.server.listen(0, '127.0.0.1', () => r()));
  const upPort = (up.server.address() as AddressInfo).port;
  let proxy: TestProxy | null = null;
  try {
    proxy = await startProxy({
      listeners: { outbound: { port: 0 }, admin: { port: 0 } },
      services: [{ name: 'fuzz', namespace: 'shop', subsets: [{ name: 'v1', endpoints: [{ address: '127.0.0.1', port: upPort }] }] }],
      // No retries: a refused response must reach the client as the proxy's reply, once.
      routes: [{ name: 'all', hosts: ['*'], retries: { attempts: 0 }, timeoutMs: 5000, action: { type: 'forward', destinations: [{ service: 'fuzz' }] } }],
    } as any);
    const result: ResponseFuzzResult = { samples: seeds.length, failures: [], agreed: 0, stricter: 0, refused: 0 };
    for (const seed of seeds) {
      const bytes = responseSample(seed);
      up.set(bytes);
      const ref = await read(upPort, 'fuzz');
      const got = await read(proxy.outbound, 'fuzz');
      if (same(ref, got)) result.agreed++;
      else if (refusal(got)) {
        if (refusal(ref)) result.refused++;
        else result.stricter++;
      } else result.failures.push({ seed, bytes, llhttp: ref, weft: got });
    }
    return result;
  } finally {
    await proxy?.close();
    await new Promise<void>((r) => up.server.close(() => r()));
  }
}
