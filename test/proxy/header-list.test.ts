import { describe, expect, it } from 'vitest';
import { removeHeader, setHeader } from '../../src/proxy/pipeline/types';
import { compileHosts, withoutPort } from '../../src/proxy/routing/match';

describe('flat header lists', () => {
  it('removeHeader drops every occurrence and keeps the others in order', () => {
    const h = ['a', '1', 'x', '2', 'b', '3', 'x', '4', 'x', '5', 'c', '6'];
    removeHeader(h, 'x');
    expect(h).toEqual(['a', '1', 'b', '3', 'c', '6']);
    removeHeader(h, 'absent');
    expect(h).toEqual(['a', '1', 'b', '3', 'c', '6']);
    removeHeader(h, 'a');
    removeHeader(h, 'c');
    expect(h).toEqual(['b', '3']);
    // A name that equals a value elsewhere is matched on names only.
    const v = ['k', 'x', 'x', 'v'];
    removeHeader(v, 'x');
    expect(v).toEqual(['k', 'x']);
  });

  it('setHeader replaces every occurrence with one at the end', () => {
    const h = ['x', '1', 'a', '2', 'x', '3'];
    setHeader(h, 'x', '9');
    expect(h).toEqual(['a', '2', 'x', '9']);
  });
});

describe('authority without its port', () => {
  it('strips the port after the last colon that follows any ], as the route matcher did with lastIndexOf', () => {
    const reference = (a: string): string => {
      const colon = a.lastIndexOf(':');
      return colon > a.lastIndexOf(']') ? a.slice(0, colon) : a;
    };
    for (const a of ['svc', 'svc:8080', '[::1]', '[::1]:80', '[::1]x', 'a:b:c', ':80', '', 'svc:', ']:1', ':]']) expect(withoutPort(a)).toBe(reference(a));
  });

  it('matches hosts with and without a port', () => {
    const m = compileHosts(['reviews', '*.example.com', 'api.*']);
    expect([m('reviews'), m('reviews:9080'), m('a.example.com:443'), m('api.internal'), m('reviews2'), m('[::1]:80')]).toEqual([true, true, true, true, false, false]);
  });
});
