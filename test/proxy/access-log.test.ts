import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AccessLogger } from '../../src/proxy/access-log';
import { SyncFileSink } from '../../src/proxy/access-log-file';
import { accessLogLineMaxBytes, encodeAccessLogFields, formatAccessLogFields, putStartTime, type AccessLogFields } from '../../src/proxy/access-log-line';

const base: AccessLogFields = {
  start_time: '2026-11-22T03:00:00.123Z',
  reporter: 'source',
  method: 'GET',
  path: '/a?b=1',
  protocol: 'HTTP/1.1',
  response_code: 200,
  response_flags: '-',
  bytes_received: 0,
  bytes_sent: 12,
  duration: 3,
  upstream_service_time: 2,
  x_forwarded_for: null,
  user_agent: 'curl/8',
  request_id: '9f1c',
  authority: 'reviews:9080',
  upstream_host: '10.0.0.1:9080',
  upstream_cluster: 'reviews|v1',
  route_name: 'r',
  downstream_remote_address: '127.0.0.1',
  attempts: 1,
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
};

/** A writable that keeps a copy of every chunk the logger writes. */
function collectingSink(): { got: Buffer[]; sink: Writable } {
  const got: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      got.push(Buffer.from(chunk));
      done();
    },
  });
  return { got, sink };
}

describe('access log line', () => {
  it('is exactly JSON.stringify of the fields, one line', () => {
    expect(formatAccessLogFields(base)).toBe(JSON.stringify(base) + '\n');
  });

  it('escapes what the client controls (quotes, backslashes, control and non-ASCII characters) and writes nulls', () => {
    const nasty: AccessLogFields = {
      ...base,
      path: '/"x"\\y\n\u0001é\u2028\ud800',
      user_agent: '"><script>',
      x_forwarded_for: '1.2.3.4, "5"',
      authority: 'a\tb',
      request_id: '\u007f',
      upstream_service_time: null,
      upstream_host: null,
      upstream_cluster: null,
      route_name: null,
      response_flags: 'UF,URX',
    };
    const line = formatAccessLogFields(nasty);
    expect(line).toBe(JSON.stringify(nasty) + '\n');
    expect(line.indexOf('\n')).toBe(line.length - 1);
    expect(JSON.parse(line)).toEqual(nasty);
  });

  it('matches JSON.stringify for every UTF-16 code unit, alone and inside plain text (fast path and escapes)', () => {
    for (let c = 0; c <= 0xffff; c++) {
      const ch = String.fromCharCode(c);
      for (const path of [ch, `/a${ch}b`]) {
        const f = { ...base, path };
        if (formatAccessLogFields(f) !== JSON.stringify(f) + '\n') throw new Error(`differs for U+${c.toString(16)} in ${JSON.stringify(path)}`);
      }
    }
    const pair = { ...base, path: '/\ud83d\ude00' };
    expect(formatAccessLogFields(pair)).toBe(JSON.stringify(pair) + '\n');
  });
});

describe('access log line encoded in place', () => {
  const expected = (f: AccessLogFields): Buffer => Buffer.from(JSON.stringify(f) + '\n', 'utf8');

  it('writes the UTF-8 of JSON.stringify at an offset, within the room it reserves, for plain, escaped and non-ASCII values and any number', () => {
    const cases: AccessLogFields[] = [
      base,
      { ...base, path: '/"x"\\y\n\u0001é\u2028\ud800', user_agent: '"><script>', x_forwarded_for: null, upstream_service_time: null, route_name: null },
      { ...base, path: '/\ud83d\ude00/\udc00\ud800x', authority: '\u007f\u0080\u07ff\u0800\uffff', request_id: '' },
      { ...base, response_code: 0, bytes_received: 9_007_199_254_740_991, bytes_sent: 10, duration: 1_000_000, attempts: 12, upstream_service_time: 0 },
      { ...base, duration: -1, bytes_sent: 1.5, upstream_service_time: 1e21 },
    ];
    for (const f of cases) {
      const room = accessLogLineMaxBytes(f);
      const out = Buffer.alloc(7 + room + 7, 0xee);
      const end = encodeAccessLogFields(f, out, 7);
      expect(out.subarray(7, end).toString('utf8')).toBe(expected(f).toString('utf8'));
      expect(out.subarray(7, end).equals(expected(f))).toBe(true);
      expect(end - 7).toBeLessThanOrEqual(room);
      // Nothing written outside the reserved room.
      expect([...out.subarray(0, 7), ...out.subarray(7 + room)].every((b) => b === 0xee)).toBe(true);
    }
  });

  it('stays within its room when every character needs the longest escape', () => {
    const f = { ...base, path: '\u0001'.repeat(1000), user_agent: '\ud800'.repeat(1000), authority: '€'.repeat(1000) };
    const out = Buffer.alloc(accessLogLineMaxBytes(f));
    expect(out.subarray(0, encodeAccessLogFields(f, out, 0)).equals(expected(f))).toBe(true);
  });

  it('goes through the logger: reserve, encode, commit, across chunk boundaries and for a line larger than a chunk', async () => {
    const { got, sink } = collectingSink();
    const log = new AccessLogger(sink, true, 64 * 1024 * 1024, 5);
    const want: Buffer[] = [];
    for (let i = 0; i < 2000; i++) {
      const f = { ...base, path: i % 700 === 3 ? `/${'p'.repeat(30_000)}` : `/r/${i}/${'é'.repeat(i % 13)}`, attempts: i };
      want.push(expected(f));
      const out = log.reserve(accessLogLineMaxBytes(f));
      if (out === null) throw new Error(`line ${i} dropped`);
      log.commit(encodeAccessLogFields(f, out, log.reserved));
    }
    await log.close();
    // Buffer.equals: a deep toEqual over ~200 KB is slow.
    expect(Buffer.concat(got).equals(Buffer.concat(want))).toBe(true);
    expect(got.length).toBeLessThan(200);
  });
});

describe('start_time written as bytes', () => {
  it('is exactly JSON.stringify(new Date(ms).toISOString()), across milliseconds, seconds, and a year past 9999', () => {
    const base = Date.UTC(2026, 10, 30, 23, 59, 58, 0);
    const times = [base, base + 1, base + 9, base + 10, base + 99, base + 100, base + 999, base + 1000, base + 1001, base + 2000, base + 1000.7, base - 86_400_000 * 400, 0, 253_402_300_800_123, base + 5];
    const out = Buffer.alloc(64);
    for (const ms of times) {
      const end = putStartTime(out, 3, ms);
      expect(out.toString('latin1', 3, end)).toBe(JSON.stringify(new Date(ms).toISOString()));
    }
  });
});

describe('access log writer (64 KiB chunks)', () => {
  it('writes every line once, in order, byte for byte, across chunk boundaries, huge and non-ASCII lines included', async () => {
    const { got, sink } = collectingSink();
    const log = new AccessLogger(sink, true, 64 * 1024 * 1024, 5);
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const body = i % 500 === 7 ? 'h'.repeat(40_000) : i % 3 === 0 ? `é€😀-${i}` : `line-${i}-${'x'.repeat(i % 97)}`;
      lines.push(`${body}\n`);
    }
    for (const l of lines) log.write(l);
    await log.close();
    expect(Buffer.concat(got).toString('utf8')).toBe(lines.join(''));
    // Batched: far fewer writes than lines.
    expect(got.length).toBeLessThan(lines.length / 20);
    expect(log.dropped).toBe(0);
  });

  it('drops and counts lines beyond its buffer bound while the sink is blocked', async () => {
    const sink = new Writable({ highWaterMark: 1, write: (_c, _e, done) => setTimeout(done, 50) });
    const log = new AccessLogger(sink, true, 200 * 1024, 5);
    for (let i = 0; i < 2000; i++) log.write(`${'y'.repeat(499)}\n`);
    expect(log.dropped).toBeGreaterThan(1000);
    expect(log.dropped).toBeLessThan(2000);
    await log.close();
  });
});

describe('access log file sink (synchronous writes, no thread pool)', () => {
  it('appends every line once, in order, byte for byte, to what the file already holds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-access-'));
    try {
      const path = join(dir, 'access.log');
      const first = AccessLogger.open({ path });
      first.write('before\n');
      await first.close();
      const log = AccessLogger.open({ path });
      const lines: string[] = ['before\n'];
      for (let i = 0; i < 3000; i++) {
        const line = `${i % 500 === 7 ? 'h'.repeat(70_000) : `é€😀-${i}-${'x'.repeat(i % 97)}`}\n`;
        lines.push(line);
        log.write(line);
      }
      // Full chunks left synchronously, before any timer or close.
      expect(readFileSync(path).length).toBeGreaterThan(64 * 1024);
      await log.close();
      expect(readFileSync(path, 'utf8')).toBe(lines.join(''));
      expect(log.dropped).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a file that cannot be opened: nothing throws, lines are dropped and counted beyond the buffer bound', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-access-'));
    try {
      const sink = new SyncFileSink(join(dir, 'missing-dir', 'access.log'));
      const log = new AccessLogger(sink, true, 100 * 1024, 5);
      await new Promise((r) => setTimeout(r, 20));
      for (let i = 0; i < 2000; i++) log.write(`${'y'.repeat(499)}\n`);
      expect(log.dropped).toBeGreaterThan(1000);
      expect(log.dropped).toBeLessThan(2000);
      await log.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
