/**
 * src/proxy/control-request.ts: the proxy's control-plane HTTP/1.1 client (OTLP export, Consul,
 * JWKS) on node:net / node:tls with the data path's strict codec, instead of `fetch`, whose
 * first call loads undici (13–15 MB of RSS). Real peers on 127.0.0.1: Node's HTTP server
 * (Content-Length and chunked bodies), raw sockets (a body delimited by the close, a 1xx before
 * the answer, broken responses), an HTTPS server with a certificate from a throwaway CA — trusted
 * through NODE_EXTRA_CA_CERTS, as a user adds a CA, in a child process that also shows undici
 * stays unloaded — and one the client must refuse.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlRequest, ControlRequestError } from '../../src/proxy/control-request';
import { TestCa } from './security/helpers/ca';

const root = fileURLToPath(new URL('../..', import.meta.url));
const servers: Array<{ close(cb: () => void): unknown }> = [];
const dir = mkdtempSync(join(tmpdir(), 'weft-control-request-'));

async function listen<T extends Server | ReturnType<typeof createNetServer>>(server: T): Promise<number> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

/** A raw peer that answers every connection with `bytes` once the request head has arrived, then closes. */
const rawPeer = (bytes: string): Promise<number> =>
  listen(
    createNetServer((s) => {
      s.on('error', () => s.destroy());
      s.once('data', () => s.end(bytes));
    }),
  );

let http: number;
const seen: Array<{ method: string; url: string; headers: Record<string, unknown>; body: string }> = [];
beforeAll(async () => {
  http = await listen(
    createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString() });
        if (req.url === '/chunked') {
          res.writeHead(200, { 'x-consul-index': '42' });
          res.write('{"a":');
          setTimeout(() => res.end('"é"}'), 20);
        } else if (req.url === '/slow') setTimeout(() => res.end('late'), 5_000);
        else if (req.url === '/moved') res.writeHead(302, { location: '/plain?from=moved' }).end();
        else if (req.url === '/loop') res.writeHead(301, { location: '/loop' }).end();
        else if (req.url === '/big') res.end('x'.repeat(2048));
        else res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'text/plain' }).end(`len:${req.url}`);
      });
    }),
  );
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  rmSync(dir, { recursive: true, force: true });
});

describe('controlRequest', () => {
  it('GETs and POSTs with Content-Length and chunked bodies, headers case-insensitive', async () => {
    const r = await controlRequest(`http://127.0.0.1:${http}/plain?q=1`, { headers: { accept: 'application/json' } });
    expect({ status: r.status, ok: r.ok, text: r.text, type: r.header('Content-Type') }).toEqual({ status: 200, ok: true, text: 'len:/plain?q=1', type: 'text/plain' });
    const c = await controlRequest(`http://127.0.0.1:${http}/chunked`, { method: 'POST', body: Buffer.from([1, 2, 3]), headers: { 'content-type': 'application/x-protobuf' } });
    expect({ text: c.text, index: c.header('x-consul-index'), none: c.header('x-none') }).toEqual({ text: '{"a":"é"}', index: '42', none: undefined });
    const posted = seen.find((s) => s.url === '/chunked')!;
    expect(posted).toMatchObject({ method: 'POST', headers: { 'content-length': '3', 'content-type': 'application/x-protobuf', connection: 'close', host: `127.0.0.1:${http}` } });
    expect(posted.body).toBe('\u0001\u0002\u0003');
    const missing = await controlRequest(`http://127.0.0.1:${http}/missing`);
    expect([missing.status, missing.ok]).toEqual([404, false]);
  });

  it('follows redirects of a GET (bounded), not of a POST', async () => {
    expect((await controlRequest(`http://127.0.0.1:${http}/moved`)).text).toBe('len:/plain?from=moved');
    expect((await controlRequest(`http://127.0.0.1:${http}/moved`, { method: 'POST', body: '' })).status).toBe(302);
    await expect(controlRequest(`http://127.0.0.1:${http}/loop`)).rejects.toThrow(/more than 5 redirects/);
  });

  it('reads a body delimited by the close, skips a 1xx, and has no body for 204', async () => {
    expect((await controlRequest(`http://127.0.0.1:${await rawPeer('HTTP/1.1 200 OK\r\n\r\nuntil-close')}/`)).text).toBe('until-close');
    expect((await controlRequest(`http://127.0.0.1:${await rawPeer('HTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok')}/`)).text).toBe('ok');
    expect(await controlRequest(`http://127.0.0.1:${await rawPeer('HTTP/1.1 204 No Content\r\n\r\n')}/`)).toMatchObject({ status: 204, text: '' });
  });

  it('refuses broken responses, oversized bodies, bad URLs, and stops at the signal', async () => {
    await expect(controlRequest(`http://127.0.0.1:${await rawPeer('HTTP/1.1 200 OK\ncontent-length: 2\n\nok')}/`)).rejects.toThrow(/malformed response head/);
    await expect(controlRequest(`http://127.0.0.1:${await rawPeer('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nshort')}/`)).rejects.toThrow(/closed before the response ended/);
    await expect(controlRequest(`http://127.0.0.1:${await rawPeer('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n')}/`)).rejects.toThrow(/malformed response body/);
    await expect(controlRequest(`http://127.0.0.1:${http}/big`, { maxBodyBytes: 1024 })).rejects.toThrow(/over 1024 bytes/);
    await expect(controlRequest('ftp://127.0.0.1/')).rejects.toBeInstanceOf(ControlRequestError);
    await expect(controlRequest(`http://127.0.0.1:${http}/slow`, { signal: AbortSignal.timeout(100) })).rejects.toMatchObject({ name: 'TimeoutError' });
    const closed = await listen(createNetServer());
    await new Promise<void>((r) => servers.pop()!.close(() => r()));
    await expect(controlRequest(`http://127.0.0.1:${closed}/`)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('speaks HTTPS with the system CAs plus NODE_EXTRA_CA_CERTS, refuses an untrusted server, and never loads undici', async () => {
    const ca = await TestCa.create();
    const cert = await ca.issueServer(['localhost']);
    const https = await listen(createHttpsServer({ cert: cert.cert, key: cert.key }, (_req, res) => res.end('secure')));
    await expect(controlRequest(`https://localhost:${https}/`)).rejects.toThrow(/certificate/);
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, ca.pem);
    const script = `import { controlRequest } from ${JSON.stringify(join(root, 'src/proxy/control-request.ts'))};
const r = await controlRequest('https://localhost:${https}/');
console.log(JSON.stringify({ text: r.text, undici: process.moduleLoadList.some((m) => m.includes('undici')) }));`;
    // Asynchronous: the HTTPS server answers from this process's event loop.
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile }, timeout: 60_000 }, (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out))),
    );
    expect(JSON.parse(stdout)).toEqual({ text: 'secure', undici: false });
  }, 90_000);
});
