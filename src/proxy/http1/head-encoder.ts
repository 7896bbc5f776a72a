/**
 * Message heads encoded straight into the Buffer that goes to the socket. Building a head as a
 * string costs a concatenation per piece (four per header field), then a flattening copy and
 * a latin1 encode of that copy when the socket writes it — about 1 KB of garbage per head and
 * the largest string work on the proxy's data path. Here the length is summed first, one
 * Buffer is allocated (with room for a first body chunk, so that a small message still leaves
 * in one write), and every character is stored once.
 *
 * Encoding is latin1, as `socket.write(head, 'latin1')` was: a code unit above U+00FF keeps its
 * low byte (header values parsed from the wire are latin1 already; RFC 9110 §5.5 allows only
 * visible ASCII, SP, HTAB and obs-text in field values).
 */

/** Bytes of the fields `name: value\r\n` of a flat `[name, value, …]` list. */
export function fieldsLength(headers: readonly string[]): number {
  let n = 0;
  for (let i = 0; i < headers.length; i += 2) n += headers[i]!.length + headers[i + 1]!.length + 4;
  return n;
}

/** Writes `text` as latin1 at `at`; returns the end. */
export function putLatin1(out: Buffer, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) out[at + i] = text.charCodeAt(i);
  return at + text.length;
}

/** Writes the fields `name: value\r\n` at `at`; returns the end. */
export function putFields(out: Buffer, at: number, headers: readonly string[]): number {
  for (let i = 0; i < headers.length; i += 2) {
    at = putLatin1(out, at, headers[i]!);
    out[at++] = 58; // :
    out[at++] = 32; // SP
    at = putLatin1(out, at, headers[i + 1]!);
    out[at++] = 13;
    out[at++] = 10;
  }
  return at;
}
