/**
 * The absolute-form target split (src/proxy/absolute-form.ts) gives exactly what the WHATWG URL
 * parser gives — host and path+query — for every target, or throws where URL throws or the
 * scheme is not http(s): a differential test over hand-picked edge cases and 20,000 seeded
 * random targets built from the characters that matter (case, dots, digits, ports, escapes).
 */
import { describe, expect, it } from 'vitest';
import { plainAbsoluteForm, splitAbsoluteForm } from '../../src/proxy/absolute-form';
import { prng } from './http1-fuzz';

/** What `new URL` makes of it (the reference), or 'throws'. */
function reference(t: string): { host: string; path: string } | 'throws' {
  try {
    const u = new URL(t);
    if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.host === '') return 'throws';
    return { host: u.host, path: u.pathname + u.search };
  } catch {
    return 'throws';
  }
}

function actual(t: string): { host: string; path: string } | 'throws' {
  try {
    const r = splitAbsoluteForm(t);
    return { host: r.host, path: r.path };
  } catch {
    return 'throws';
  }
}

const CASES = [
  'http://reviews:9080/p?q=1', 'http://reviews/', 'http://reviews', 'http://reviews?x', 'http://reviews/?', 'http://reviews/a?', 'http://reviews/a?b?',
  'http://reviews:80/a', 'https://reviews:443/a', 'https://reviews:80/a', 'http://reviews:080/a', 'http://reviews:/a', 'http://reviews:65536/', 'http://reviews:99999/',
  'http://Reviews/a', 'HTTP://reviews/a', 'http://127.0.0.1:8080/x', 'http://127.1/x', 'http://0x7f.1/', 'http://a.1/', 'http://a.1./', 'http://a./x', 'http://1a.b/',
  'http://xn--nxasmq6b/', 'http://xn--bad/', 'http://user@host/x', 'http://host/a/../b', 'http://host/a/./b', 'http://host/a/%2e%2e/b', 'http://host/a/.hidden',
  'http://host/a\\b', 'http://host/a b', 'http://host/a"b', "http://host/a?b'c", 'http://host/a^b', 'http://host/a|b', 'http://host/a{b}', 'http://host/a#frag',
  'http://host/é', 'http://host/a%20b', 'http:///x', 'http://', 'mailto:x', 'ftp://host/x', 'http://-a-/x', 'http://a--b/x', 'http://[::1]:8080/x', 'http://host:8080?q',
];

describe('absolute-form request targets', () => {
  it('match the URL parser on edge cases', () => {
    for (const t of CASES) expect(actual(t), t).toEqual(reference(t));
    expect(actual('http://reviews:9080/p?q=1')).toEqual({ host: 'reviews:9080', path: '/p?q=1' });
  });

  it('match the URL parser on 20,000 random targets', () => {
    const r = prng(16);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    // Mostly the common shape (fast path), with the characters URL treats specially mixed in.
    const plainHost = [...'abcxyz-'];
    const oddHost = [...'AB0129._'];
    const plainPath = [...'ab/=&:@~_-AZ09'];
    const oddPath = [..."./%2e?#!$'^|\\\"{} é"];
    const hostChar = (): string => pick(r() < 0.9 ? plainHost : oddHost);
    const pathChar = (): string => pick(r() < 0.85 ? plainPath : oddPath);
    let mismatches = 0;
    let fast = 0;
    for (let n = 0; n < 20_000; n++) {
      let t = r() < 0.85 ? pick(['http://', 'https://']) : pick(['HTTP://', 'http:/', 'ws://']);
      const hl = 1 + Math.floor(r() * 8);
      for (let i = 0; i < hl; i++) t += hostChar();
      if (r() < 0.4) t += `:${pick(['80', '443', '8080', '0', '065', '70000', '', '9'])}`;
      const pl = Math.floor(r() * 10);
      if (pl > 0) t += pick(['/', '/', '?', '']);
      for (let i = 0; i < pl; i++) t += pathChar();
      const want = reference(t);
      const got = actual(t);
      if (plainAbsoluteForm(t) !== null) fast++;
      if (JSON.stringify(want) !== JSON.stringify(got)) {
        mismatches++;
        if (mismatches < 5) expect(got, t).toEqual(want);
      }
    }
    expect(mismatches).toBe(0);
    // Both paths are exercised: the URL-free one and the fallback.
    expect(fast).toBeGreaterThan(2000);
    expect(fast).toBeLessThan(18_000);
  });
});
