/**
 * Outlier detection on a TCP listener, over real sockets: an endpoint that refuses connections
 * is ejected after `consecutive5xxErrors` consecutive connect failures (Envoy's tcp_proxy reports
 * local-origin connect failures, counted as 5xx with Istio's split_external_local_origin_errors
 * off), after which every new connection goes to the healthy endpoint.
 */
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { metricsText, startProxy, type TestProxy } from '../helpers/proxy';
import { closedPort } from '../helpers/upstream';

let live: Server;
let livePort: number;
let deadPort: number;
const proxies: TestProxy[] = [];

beforeAll(async () => {
  live = createServer((c) => {
    c.on('error', () => c.destroy());
    c.end('live\n');
  });
  await new Promise<void>((r) => live.listen(0, '127.0.0.1', r));
  livePort = (live.address() as AddressInfo).port;
  deadPort = await closedPort();
});
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  await new Promise((r) => live.close(r));
});

/** One connection through the listener: what the upstream said, '' when the proxy closed it unanswered. */
function greet(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    let got = '';
    s.setTimeout(15_000, () => s.destroy());
    s.on('data', (d: Buffer) => (got += d.toString()));
    s.on('error', () => undefined);
    s.on('close', () => resolve(got.trim()));
  });
}

async function start(consecutive5xxErrors: number): Promise<TestProxy> {
  const proxy = await startProxy({
    listeners: { admin: { port: 0 } },
    services: [
      {
        name: 'db',
        namespace: 'data',
        // Round robin alternates between the two pods: every other connection meets the dead one until it is ejected.
        subsets: [{ name: 'v1', endpoints: [{ address: '127.0.0.1', port: deadPort }, { address: '127.0.0.1', port: livePort }] }],
        outlierDetection: { consecutive5xxErrors, intervalMs: 60_000, baseEjectionTimeMs: 60_000 },
      },
    ],
    tcpListeners: [{ name: 'db', port: 0, destinations: [{ service: 'db', subset: 'v1' }] }],
  } as never);
  proxies.push(proxy);
  return proxy;
}

it('ejects an endpoint after consecutive connect failures; new connections then reach only the healthy one', async () => {
  const proxy = await start(2);
  const port = proxy.proxy.ports.tcp!.db!;
  const answers: string[] = [];
  for (let i = 0; i < 20; i++) answers.push(await greet(port));
  // Two failures in a row on the dead pod (its turns 1 and 3), then it is out of the rotation.
  expect(answers.filter((a) => a === '')).toHaveLength(2);
  expect(answers.slice(4)).toEqual(Array.from({ length: 16 }, () => 'live'));
  const m = await metricsText(proxy.admin);
  expect(m).toMatch(/weft_proxy_upstream_ejections_total\{service="db"\} 1\b/);
  expect(m).toMatch(/weft_proxy_upstream_ejected_hosts\{service="db"\} 1\b/);
  expect(m).toMatch(/istio_tcp_connections_closed_total\{[^}]*response_flags="UF"[^}]*\} 2\b/);
});

it('ejects at the declared threshold, not before', async () => {
  const proxy = await start(3);
  const port = proxy.proxy.ports.tcp!.db!;
  // The dead pod fails on each of its turns: 3 in a row ejects it after 6 connections.
  const answers: string[] = [];
  for (let i = 0; i < 12; i++) answers.push(await greet(port));
  expect(answers.filter((a) => a === '')).toHaveLength(3);
  expect(answers.slice(6)).toEqual(Array.from({ length: 6 }, () => 'live'));
});
