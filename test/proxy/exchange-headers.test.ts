/**
 * The request header list an Exchange forwards: hop-by-hop fields and the fields named by
 * Connection dropped, `host` moved to the end, order otherwise kept — the same whether the
 * Exchange copies a protocol's list or takes over the HTTP/1.1 codec's own list and compacts it
 * in place (no second array per request).
 */
import { describe, expect, it } from 'vitest';
import { Exchange } from '../../src/proxy/exchange';
import type { ListenerRuntime, Runtime } from '../../src/proxy/runtime';

const listener: ListenerRuntime = { kind: 'outbound', draining: false, finish: () => {} };
const RAW = [
  'user-agent', 'wire/1.0',
  'host', 'App.Shop:8080',
  'connection', 'keep-alive, x-hop',
  'x-hop', 'gone',
  'keep-alive', 'timeout=9',
  'accept', '*/*',
  'te', 'trailers',
  'content-length', '5',
  'proxy-authorization', 'secret',
  'x-hop', 'gone too',
  'cookie', 'a=1',
];
const FORWARDED = ['user-agent', 'wire/1.0', 'accept', '*/*', 'content-length', '5', 'cookie', 'a=1', 'host', 'App.Shop:8080'];

const exchange = (rawHeaders: string[], transferHeaders: boolean): Exchange =>
  new Exchange({ method: 'POST', target: '/p', protocol: 'HTTP/1.1', rawHeaders, lowerCaseNames: true, transferHeaders, clientAddress: '127.0.0.1' }, listener, {} as Runtime);

describe('the forwarded request header list', () => {
  it('is the same list whether copied or compacted in place', () => {
    const copied = exchange(RAW.slice(), false);
    const raw = RAW.slice();
    const inPlace = exchange(raw, true);
    expect(copied.headers).toEqual(FORWARDED);
    expect(inPlace.headers).toEqual(FORWARDED);
    expect(inPlace.authority).toBe('app.shop:8080');
    expect(inPlace.bodyLength).toBe(5);
    expect(inPlace.hasBody).toBe(true);
  });

  it('takes over the codec list when it is handed over, and copies it otherwise', () => {
    const raw = RAW.slice();
    expect(exchange(raw, true).headers).toBe(raw);
    const kept = RAW.slice();
    expect(exchange(kept, false).headers).not.toBe(kept);
    expect(kept).toEqual(RAW);
  });

  it('compacts a list with nothing to drop and one made only of hop-by-hop fields', () => {
    expect(exchange(['host', 'a', 'x', '1'], true).headers).toEqual(['x', '1', 'host', 'a']);
    expect(exchange(['connection', 'close', 'host', 'a', 'te', 'trailers'], true).headers).toEqual(['host', 'a']);
  });
});
