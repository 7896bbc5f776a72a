import { describe, expect, it } from 'vitest';
import { formatAccessLogFields, type AccessLogFields } from '../../src/proxy/access-log-line';

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
});
