/**
 * Differential fuzzing of the proxy's HTTP/1.1 request codec against Node's llhttp. Each sample
 * (random and malformed requests, 1–3 pipelined) goes over a real socket both to a node:http
 * server and through the Weft proxy to a node:http upstream. Node's own parse of the raw bytes is
 * the reference: what reaches the upstream through Weft must be a prefix of what llhttp parsed
 * — same method, target, fuzz headers and body bytes, in order. So Weft never forwards a
 * request llhttp rejects, and frames every request it forwards as llhttp does; Weft may refuse
 * more (it is stricter). Used by http1-fuzz.test.ts (bounded sample) and `npm run fuzz:http`.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { startProxy, type TestProxy } from './helpers/proxy';

export interface Seen {
  method: string;
  url: string;
  /** Headers whose names start with x-f (the fuzz headers), as received. */
  fuzz: string[];
  body: string;
}

/** mulberry32: a small seeded PRNG, so a failing sample can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

/** Mostly valid choices, then malformed ones: `mostly(r, good, bad)` picks bad with probability `p`. */
export const mostly = <T>(r: () => number, good: readonly T[], bad: readonly T[], p = 0.12): T => (r() < p ? pick(r, bad) : pick(r, good));

const METHODS = ['GET', 'POST', 'PUT', 'HEAD', 'DELETE', 'OPTIONS', 'PATCH'];
const BAD_METHODS = ['get', 'G T', 'FOO', 'GE\x00T', ''];
const TARGETS = ['/', '/a', '/a/b?c=d', '/p%20q', '/x?y=1&z', '//x', '*'];
const BAD_TARGETS = ['/a b', '/\x7f', '/\x80', '/a#f', '/a\tb'];
const VERSIONS = ['HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0'];
const BAD_VERSIONS = ['HTTP/1.2', 'HTTP/2.0', 'http/1.1', 'HTTP/1.1 ', 'HTTP/11'];
export const VALUES = ['v', 'a b', ' padded ', 'tab\there', 'q"uote', 'obs\xe9text', '', 'x'.repeat(40)];
export const BAD_VALUES = ['ctl\x01', 'del\x7f', 'nul\x00'];
export const TE = ['chunked', 'Chunked', ' chunked', 'chunked '];
export const BAD_TE = ['chunked, chunked', 'gzip, chunked', 'gzip', 'identity', 'xchunked', 'chunked;q=1', ''];

/**
 * A chunked body, mostly well framed. `badSizeRate`: how often a chunk size line is malformed;
 * `offByOne` adds a size one larger than the chunk to the bad choices; `truncateRate`: how often
 * the body stops before its last chunk (each off by default, so a seeded sample stays the same).
 */
export function chunkedBody(r: () => number, payload: string, { badSizeRate = 0.03, offByOne = false, truncateRate = 0 } = {}): string {
  let out = '';
  let i = 0;
  while (i < payload.length) {
    const n = 1 + Math.floor(r() * 6);
    const part = payload.slice(i, i + n);
    i += n;
    const ext = r() < 0.2 ? mostly(r, [';a=b', ';x', ';q="s p"'], ['; bad ext', ';=']) : '';
    const badSizes = ['zz', '-1', ' ' + part.length.toString(16), part.length.toString(16).toUpperCase()];
    if (offByOne) badSizes.push((part.length + 1).toString(16));
    const size = r() < badSizeRate ? pick(r, badSizes) : part.length.toString(16);
    out += `${size}${ext}\r\n${part}\r\n`;
  }
  if (truncateRate > 0 && r() < truncateRate) return out; // cut before the last chunk
  out += '0\r\n';
  if (r() < 0.3) out += mostly(r, ['x-t: 1\r\n'], ['bad trailer\r\n', 'x-t: a\r\n b\r\n'], 0.3);
  return out + '\r\n';
}

function request(r: () => number): string {
  const method = mostly(r, METHODS, BAD_METHODS);
  const version = mostly(r, VERSIONS, BAD_VERSIONS);
  let head = `${method} ${mostly(r, TARGETS, BAD_TARGETS)} ${version}\r\n`;
  const hostRoll = r();
  if (hostRoll < 0.9) head += 'host: fuzz\r\n';
  if (hostRoll > 0.97) head += 'host: other\r\n';
  const n = Math.floor(r() * 4);
  for (let i = 0; i < n; i++) head += `${mostly(r, ['x-f' + i, 'X-F' + i], ['x-f' + i + ' ', 'x-f(' + i], 0.06)}:${pick(r, [' ', '', '  ', '\t'])}${mostly(r, VALUES, BAD_VALUES, 0.06)}\r\n`;
  const payload = pick(r, ['', 'hello', 'a longer body with spaces', '0\r\n\r\n', 'GET /smuggled HTTP/1.1\r\nhost: fuzz\r\n\r\n']);
  const framing = r();
  let body = '';
  if (framing < 0.3) {
    head += `content-length: ${payload.length}\r\n`;
    body = payload;
  } else if (framing < 0.55) {
    head += `transfer-encoding: ${mostly(r, TE, BAD_TE, 0.25)}\r\n`;
    body = chunkedBody(r, payload);
  } else if (framing < 0.6) {
    const variant = pick(r, [`${payload.length}, ${payload.length}`, `+${payload.length}`, `0${payload.length}`, `${payload.length + 1}`, `${payload.length} `, '99999999999999999999']);
    head += `content-length: ${variant}\r\n`;
    body = payload;
  } else if (framing < 0.64) {
    head += `content-length: ${payload.length}\r\ncontent-length: ${pick(r, [payload.length, payload.length + 2])}\r\n`;
    body = payload;
  } else if (framing < 0.68) {
    head += `content-length: ${payload.length}\r\ntransfer-encoding: chunked\r\n`;
    body = r() < 0.5 ? payload : chunkedBody(r, payload);
  }
  if (r() < 0.03) head += 'x-fold: a\r\n b\r\n';
  if (r() < 0.05) head += 'expect: 100-continue\r\n';
  let text = head + '\r\n' + body;
  // Line-ending and byte-level mutations.
  const m = r();
  if (m < 0.03) text = text.replace('\r\n', '\n');
  else if (m < 0.05) text = text.replace(/\r\n(?!\r\n)/, '\r');
  else if (m < 0.07) text = text.replace(':', ' :');
  else if (m < 0.09) text = text.slice(0, Math.floor(r() * text.length));
  return text;
}

export function sample(seed: number): string {
  const r = prng(seed);
  const count = 1 + Math.floor(r() * 3);
  let out = r() < 0.05 ? '\r\n' : '';
  for (let i = 0; i < count; i++) out += request(r);
  return out;
}

function recorder(): { server: Server; seen: Seen[] } {
  const seen: Seen[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const fuzz: string[] = [];
      for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase().startsWith('x-f')) fuzz.push(req.rawHeaders[i]!.toLowerCase(), req.rawHeaders[i + 1]!);
      seen.push({ method: req.method ?? '', url: req.url ?? '', fuzz, body: Buffer.concat(chunks).toString('latin1') });
      res.end('ok');
    });
  });
  server.on('clientError', (_e, socket) => socket.destroy());
  return { server, seen };
}

/** Writes the bytes, half-closes, and resolves when the server side closed (bounded). */
function exchange(port: number, bytes: string): Promise<void> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    const timer = setTimeout(() => s.destroy(), 10_000);
    s.on('error', () => {});
    s.on('data', () => {});
    s.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
    s.on('connect', () => s.end(Buffer.from(bytes, 'latin1')));
  });
}

export interface FuzzFailure {
  seed: number;
  bytes: string;
  llhttp: Seen[];
  weft: Seen[];
}

export interface FuzzResult {
  samples: number;
  failures: FuzzFailure[];
  /** Requests llhttp accepted that Weft refused (allowed: Weft is stricter). */
  stricter: number;
  /** Requests both accepted and framed identically. */
  agreed: number;
}

export async function fuzz(seeds: readonly number[]): Promise<FuzzResult> {
  const direct = recorder();
  const behind = recorder();
  await Promise.all([direct, behind].map((x) => new Promise<void>((r) => x.server.listen(0, '127.0.0.1', () => r()))));
  const port = (s: Server) => (s.address() as AddressInfo).port;
  let proxy: TestProxy | null = null;
  try {
    proxy = await startProxy({
      listeners: { outbound: { port: 0 }, admin: { port: 0 } },
      // Node's defaults: 16 KiB heads; paths as sent, as llhttp passes them on.
      http: { pathNormalization: 'none', maxRequestHeadersBytes: 16_384 },
      services: [{ name: 'fuzz', namespace: 'shop', subsets: [{ name: 'v1', endpoints: [{ address: '127.0.0.1', port: port(behind.server) }] }] }],
      routes: [{ name: 'all', hosts: ['*'], action: { type: 'forward', destinations: [{ service: 'fuzz' }] } }],
    } as any);
    const result: FuzzResult = { samples: seeds.length, failures: [], stricter: 0, agreed: 0 };
    for (const seed of seeds) {
      const bytes = sample(seed);
      direct.seen.length = 0;
      behind.seen.length = 0;
      await Promise.all([exchange(port(direct.server), bytes), exchange(proxy.outbound, bytes)]);
      const ref = direct.seen.slice();
      const got = behind.seen.slice();
      const same = (a: Seen, b: Seen): boolean => a.method === b.method && a.url === b.url && a.body === b.body && a.fuzz.join('\n') === b.fuzz.join('\n');
      if (got.length > ref.length || got.some((g, i) => !same(g, ref[i]!))) result.failures.push({ seed, bytes, llhttp: ref, weft: got });
      else {
        result.agreed += got.length;
        result.stricter += ref.length - got.length;
      }
    }
    return result;
  } finally {
    await proxy?.close();
    for (const x of [direct, behind]) {
      x.server.closeAllConnections();
      await new Promise<void>((r) => x.server.close(() => r()));
    }
  }
}
