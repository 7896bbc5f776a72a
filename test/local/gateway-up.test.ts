/**
 * `weft up` with TLS ingress gateways (test/local/fixtures/gateway.config.ts): it prints each
 * gateway server's URL with its hosts and the local CA file, and a curl line that works as
 * printed (SNI and Host = the declared host, the local CA trusted); SIGINT stops the gateway
 * proxies with everything else (checked by pid).
 */
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import gatewayMesh from './fixtures/gateway.config';
import { fixtureDist } from '../verify/fixtures/dist';
import { alive, until } from './processes';

const ROOT = join(__dirname, '../..');


describe('weft up with TLS gateways', () => {
  let dist: string | undefined;
  let child: ReturnType<typeof spawn> | undefined;
  afterEach(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    if (dist) rmSync(dist, { recursive: true, force: true });
  });

  it('prints the gateway URLs and a curl line that reaches a service over https; SIGINT stops the gateways too', async () => {
    dist = fixtureDist(gatewayMesh);
    child = spawn(process.execPath, ['bin/weft.mjs', 'up', '--dist', dist], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (err += d));
    const exit = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
    expect(await until(() => out.includes('Ctrl-C stops everything'), 120_000), err).toBe(true);

    expect(out).toMatch(/^gateway shop-gateway \(istio-system\) https-443: https:\/\/127\.0\.0\.1:\d+ {2}hosts shop\.gw\.test, \*\.shop\.gw\.test {2}\(TLS SIMPLE, CA \S+ca\.crt\)$/m);
    expect(out).toMatch(/^gateway shop-gateway \(istio-system\) http-80: http:\/\/127\.0\.0\.1:\d+ {2}hosts shop\.gw\.test, \*\.shop\.gw\.test {2}\(redirects to https\)$/m);
    expect(out).toMatch(/^gateway partners-gateway \(istio-system\) https-8443: https:\/\/127\.0\.0\.1:\d+ {2}hosts partners\.gw\.test {2}\(TLS MUTUAL, CA \S+, client cert \S+ key \S+\)$/m);
    // The printed curl line, run as printed (curl checks the certificate against the host in the URL).
    const curl = /^ {2}curl (.*)$/m.exec(out)![1]!;
    // The first TLS server: partners (MUTUAL, so with the local client certificate), in dist/ order.
    expect(curl).toMatch(/^--cacert \S+ --connect-to partners\.gw\.test:443:127\.0\.0\.1:\d+ --cert \S+ --key \S+ https:\/\/partners\.gw\.test\/$/);
    const r = spawnSync('curl', ['-sS', '--max-time', '30', ...curl.split(' ')], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ service: 'api', version: 'v2', host: 'partners.gw.test' });
    // Without the client certificate the MUTUAL server refuses the handshake.
    const anonymous = spawnSync('curl', ['-sS', '--max-time', '30', ...curl.replace(/ --cert \S+ --key \S+/, '').split(' ')], { encoding: 'utf8', timeout: 60_000 });
    expect(anonymous.status).not.toBe(0);

    // Gateways have no echo: their row is `<proxy pid>/-`.
    const gatewayPids = [...out.matchAll(/^(?:shop|partners)-gateway-0\s.*\s(\d+)\/-$/gm)].map((m) => Number(m[1]));
    expect(gatewayPids).toHaveLength(2);
    const all = [...out.matchAll(/\s(\d+)\/(\d+|-)$/gm)].flatMap((m) => [Number(m[1]), ...(m[2] === '-' ? [] : [Number(m[2])])]);
    expect(all.every(alive)).toBe(true);
    child.kill('SIGINT');
    expect(await exit).toBe(0);
    expect(await until(() => all.every((p) => !alive(p)), 15_000), `still alive: ${all.filter(alive)}`).toBe(true);
  }, 180_000);
});
