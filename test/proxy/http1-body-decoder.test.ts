/**
 * The body framing tracker fed byte sequences split at every possible place (TCP delivers
 * arbitrary pieces): the payload, where the body ends and the errors must not depend on it.
 */
import { describe, expect, it } from 'vitest';
import { BodyDecoder } from '../../src/proxy/http1/body-decoder';
import { HeadError } from '../../src/proxy/http1/syntax';

/** Feeds `input` in the given pieces; returns the payload, whether it finished, and bytes left over. */
function feed(decoder: BodyDecoder, input: string, cuts: number[]): { payload: string; done: boolean; rest: string; error?: string } {
  let payload = '';
  let rest = '';
  let from = 0;
  for (const cut of [...cuts, input.length]) {
    const buf = Buffer.from(input.slice(from, cut), 'latin1');
    from = cut;
    if (decoder.done) {
      rest += buf.toString('latin1');
      continue;
    }
    const end = decoder.push(buf, 0, buf.length, (c) => (payload += c.toString('latin1')));
    if (end instanceof HeadError) return { payload, done: false, rest, error: end.reason };
    rest += buf.toString('latin1', end);
  }
  return { payload, done: decoder.done, rest };
}

describe('BodyDecoder', () => {
  const chunked = '5;ext=1;q="a;b"\r\nhello\r\n6\r\n world\r\n0\r\nx-t: 1\r\nx-u: 2\r\n\r\nNEXT';

  it('chunked with extensions and trailers: same result for every split into two or three pieces', () => {
    for (let i = 0; i <= chunked.length; i++) {
      for (const j of [i, Math.min(chunked.length, i + 1), Math.min(chunked.length, i + 7)]) {
        const r = feed(new BodyDecoder('chunked'), chunked, [i, j]);
        expect(r, `cut at ${i},${j}`).toEqual({ payload: 'hello world', done: true, rest: 'NEXT' });
      }
    }
  });

  it('reset: a decoder reused after any state (mid size line, mid trailers, done, failed) decodes like a fresh one', () => {
    const reused = new BodyDecoder('length', 3);
    for (let cut = 0; cut <= chunked.length; cut++) {
      // Leave the previous message at an arbitrary point of a chunked body, then reuse the decoder.
      feed(reused.reset('chunked'), chunked.slice(0, cut), []);
      expect(feed(reused.reset('chunked'), chunked, [cut]), `after a cut at ${cut}`).toEqual({ payload: 'hello world', done: true, rest: 'NEXT' });
      expect(feed(reused.reset('length', 5), 'helloNEXT', []), `length after a cut at ${cut}`).toEqual({ payload: 'hello', done: true, rest: 'NEXT' });
    }
    feed(reused.reset('chunked'), 'zz\r\n', []);
    expect(feed(reused.reset('close'), 'all of it', []).payload).toBe('all of it');
    expect(reused.end()).toBe(true);
    expect(reused.reset('length', 0).done).toBe(true);
  });

  it('content-length: stops exactly at the length', () => {
    for (let i = 0; i <= 9; i++) expect(feed(new BodyDecoder('length', 5), 'helloNEXT', [i])).toEqual({ payload: 'hello', done: true, rest: 'NEXT' });
    expect(new BodyDecoder('length', 0).done).toBe(true);
  });

  it('close-delimited: everything until end()', () => {
    const d = new BodyDecoder('close');
    const r = feed(d, 'all of it', [3]);
    expect(r).toEqual({ payload: 'all of it', done: false, rest: '' });
    expect(d.end()).toBe(true);
  });

  it('refuses malformed chunked framing wherever the input is cut', () => {
    const bad: Array<[string, RegExp]> = [
      ['zz\r\nhello\r\n0\r\n\r\n', /invalid chunk size/],
      ['5\nhello\r\n0\r\n\r\n', /bare LF/],
      ['5\r\nhelloXX0\r\n\r\n', /longer than its size/],
      ['5 ;x\r\nhello\r\n0\r\n\r\n', /./], // BWS before ';' is allowed: this one is accepted below
      ['5;\r\nhello\r\n0\r\n\r\n', /invalid chunk extension/],
      ['fffffffffffffff\r\n', /too large/],
      ['0\r\nbad trailer\r\n\r\n', /header line without colon/],
      ['0\r\nx: a\r\n b\r\n\r\n', /obsolete line folding/],
    ];
    for (const [input, reason] of bad) {
      for (let i = 0; i <= input.length; i++) {
        const r = feed(new BodyDecoder('chunked'), input, [i]);
        if (input.startsWith('5 ;x')) expect(r.error, input).toBeUndefined();
        else expect(r.error, `${JSON.stringify(input)} cut at ${i}`).toMatch(reason);
      }
    }
  });
});
