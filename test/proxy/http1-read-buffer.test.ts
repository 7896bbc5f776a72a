/** Heads arriving in pieces: appended without quadratic copying, scanned once, views stay intact. */
import { describe, expect, it } from 'vitest';
import { ReadBuffer } from '../../src/proxy/http1/read-buffer';
import { findHeadEnd, HeadError } from '../../src/proxy/http1/syntax';

describe('ReadBuffer and resumable head scanning', () => {
  it('finds the end of a head fed one byte at a time, resuming at the incomplete line', () => {
    const head = 'GET / HTTP/1.1\r\nhost: a\r\nx-long: ' + 'v'.repeat(5000) + '\r\n\r\nBODY';
    const rb = new ReadBuffer();
    let scan = 0;
    let found = -1;
    let scannedFrom: number[] = [];
    for (let i = 0; i < head.length && found < 0; i++) {
      rb.append(Buffer.from(head[i]!, 'latin1'));
      const end = findHeadEnd(rb.bytes, scan, rb.length);
      expect(end).not.toBeInstanceOf(HeadError);
      if ((end as number) >= 0) found = end as number;
      else scan = -(end as number) - 1;
      scannedFrom.push(scan);
    }
    expect(found).toBe(head.indexOf('\r\n\r\n') + 4);
    // The scan never goes back: it resumes at line starts only.
    expect(scannedFrom).toEqual([...scannedFrom].sort((a, b) => a - b));
    expect(new Set(scannedFrom).size).toBeLessThanOrEqual(4);
    expect(rb.bytes.toString('latin1')).toBe(head.slice(0, found));
  });

  it('never overwrites bytes already handed out, and consumes', () => {
    const rb = new ReadBuffer();
    rb.append(Buffer.from('abc'));
    rb.append(Buffer.from('def'));
    const view = rb.bytes.subarray(0, 3);
    rb.consume(3);
    rb.append(Buffer.from('ghi'));
    rb.append(Buffer.from('x'.repeat(10_000)));
    expect(view.toString()).toBe('abc');
    expect(rb.bytes.toString().slice(0, 6)).toBe('defghi');
    rb.consume(rb.length);
    expect(rb.length).toBe(0);
  });

  it('reports bare CR and LF wherever the scan resumes', () => {
    expect(findHeadEnd(Buffer.from('GET / HTTP/1.1\nhost: a\r\n\r\n'), 0, 26)).toBeInstanceOf(HeadError);
    expect(findHeadEnd(Buffer.from('GET / HTTP/1.1\r\nhost:\ra\r\n\r\n'), 16, 27)).toBeInstanceOf(HeadError);
  });
});
