/**
 * What every proxy benchmark script needs around the process it measures: free loopback ports,
 * waiting until something answers, and the nginx configs used as upstream and as anchor.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A port the kernel just handed out on 127.0.0.1 (port 0), released for the caller to bind. */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const p = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

/** Resolves once `url` answers 2xx; bounded at 20 s. */
export async function waitForHttp(url: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    await sleep(50);
  }
  throw new Error(`nothing answers on ${url}`);
}

/**
 * Writes `<dir>/nginx.conf`: one worker, no access log, temp paths inside `dir`, keep-alive
 * connections held for the whole run (so that nginx never closes one mid-round), and `body`
 * inside `http {}`.
 */
export function nginxConf(dir: string, body: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'nginx.conf');
  writeFileSync(
    file,
    `worker_processes 1;\ndaemon off;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log warn;\nevents { worker_connections 4096; }\nhttp {\n  access_log off;\n` +
      `  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;\n` +
      `  keepalive_requests 1000000;\n  keepalive_timeout 300s;\n  ${body}\n}\n`,
  );
  return file;
}

/** The upstream every benchmark forwards to: nginx answering a fixed 12-byte body. */
export function helloServer(port: number): string {
  return `server { listen 127.0.0.1:${port}; location / { return 200 "hello world\\n"; } }`;
}
