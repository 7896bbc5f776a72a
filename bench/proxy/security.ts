/**
 * CPU cost of inbound security, end to end over real sockets:
 *   node --import tsx bench/proxy/security.ts [--requests 10000] [--rounds 3]
 * Two proxy processes serve the same upstream: `plain` (inbound HTTP/1.1, no security) and
 * `secure` (STRICT mTLS, an ALLOW authorization policy on principal + path, one required JWT
 * rule, ES256 with an inline JWKS). A keep-alive client (8 connections; the mTLS client presents
 * a workload certificate from a throwaway CA) sends the same requests to each, interleaved per
 * round; the figure is the proxy process's CPU (utime + stime from /proc/<pid>/stat) per request.
 * The anchor is `plain` in the same round: the issue's budget is secure ≤ 1.5 × plain.
 */
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent as HttpAgent, createServer, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { spiffe, TestCa, writeCertDir } from '../../test/proxy/security/helpers/ca';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? dflt : process.argv[i + 1]!;
};
const REQUESTS = Number(arg('requests', '10000'));
const ROUNDS = Number(arg('rounds', '3'));
const TICK_US = 1e6 / 100; // USER_HZ

function cpuUs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_US;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'weft-bench-sec-'));
  const upstream = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const appPort = (upstream.address() as AddressInfo).port;
  const ca = await TestCa.create();
  const serverCerts = writeCertDir(await ca.issue([spiffe('shop', 'orders')]));
  const client = await ca.issue([spiffe('web', 'frontend')]);
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] });
  const token = await new SignJWT({ sub: 'alice', scope: 'orders:read' }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer('https://idp.bench').setAudience('orders').setExpirationTime('1h').sign(privateKey);

  const base = { version: 1, workload: { service: 'orders', namespace: 'shop', version: 'v1' }, observability: { metrics: true, accessLog: false, tracing: { samplingPercent: 0 } } };
  const configs = {
    plain: { ...base, listeners: { inbound: { host: '127.0.0.1', port: 0, app: { port: appPort } }, admin: { host: '127.0.0.1', port: 0 } } },
    secure: {
      ...base,
      listeners: { inbound: { host: '127.0.0.1', port: 0, app: { port: appPort } }, admin: { host: '127.0.0.1', port: 0 } },
      security: {
        mtls: { mode: 'STRICT', files: { certFile: serverCerts.certFile, keyFile: serverCerts.keyFile, caFile: serverCerts.caFile } },
        jwtRequired: true,
        jwt: [{ name: 'idp', issuer: 'https://idp.bench', audiences: ['orders'], jwks }],
        authorization: { policies: [{ name: 'orders', namespace: 'shop', action: 'ALLOW', rules: [{ from: [{ source: { principals: ['cluster.local/ns/web/sa/frontend'] } }], to: [{ operation: { paths: ['/api/*'] } }] }] }] },
      },
    },
  };
  const procs: Record<string, { child: ChildProcess; port: number }> = {};
  for (const [name, config] of Object.entries(configs)) {
    const file = join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify(config));
    const child = spawn(process.execPath, ['bin/weft.mjs', 'proxy', '--config', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    const port = await new Promise<number>((resolve, reject) => {
      let err = '';
      child.stderr!.on('data', (d: Buffer) => {
        err += d;
        const m = /"inbound":(\d+)/.exec(err);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', (code) => reject(new Error(`${name} exited ${code}: ${err}`)));
    });
    procs[name] = { child, port };
  }

  const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 8 });
  const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 8, ca: client.ca, cert: client.cert, key: client.key, checkServerIdentity: () => undefined });
  const one = (name: string): Promise<number> =>
    new Promise((resolve) => {
      const secure = name === 'secure';
      const req = (secure ? httpsRequest : httpRequest)(
        { host: '127.0.0.1', port: procs[name]!.port, path: '/api/items', agent: secure ? httpsAgent : httpAgent, headers: { host: 'orders', authorization: `Bearer ${token}` } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', () => resolve(0));
      req.end();
    });
  const drive = async (name: string, n: number): Promise<number> => {
    let next = 0;
    let failed = 0;
    const worker = async () => {
      while (next < n) {
        next++;
        if ((await one(name)) !== 200) failed++;
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    return failed;
  };
  for (const name of Object.keys(procs)) await drive(name, 1000); // warm-up (JIT, TLS sessions)
  const results: Record<string, number[]> = { plain: [], secure: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of Object.keys(procs)) {
      const pid = procs[name]!.child.pid!;
      const before = cpuUs(pid);
      const failed = await drive(name, REQUESTS);
      if (failed > 0) throw new Error(`${name}: ${failed} failed requests`);
      results[name]!.push((cpuUs(pid) - before) / REQUESTS);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const plain = median(results.plain!);
  const secure = median(results.secure!);
  process.stdout.write(`requests/round ${REQUESTS}, rounds ${ROUNDS}, 8 keep-alive connections, load ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}\n`);
  process.stdout.write(`plain   ${plain.toFixed(1)} µs CPU/request (rounds: ${results.plain!.map((x) => x.toFixed(1)).join(', ')})\n`);
  process.stdout.write(`secure  ${secure.toFixed(1)} µs CPU/request (rounds: ${results.secure!.map((x) => x.toFixed(1)).join(', ')})\n`);
  process.stdout.write(`ratio   ${(secure / plain).toFixed(2)}× (budget 1.5×)\n`);
  for (const p of Object.values(procs)) p.child.kill('SIGKILL');
  httpAgent.destroy();
  httpsAgent.destroy();
  upstream.close();
}

void main().catch((e: Error) => {
  process.stderr.write(`${e.stack ?? e.message}\n`);
  process.exit(1);
});
