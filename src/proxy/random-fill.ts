/**
 * Random bytes for trace ids, request ids and consistent-hash cookies, from the kernel's CSPRNG
 * (`/dev/urandom`, read with `node:fs`, which every Node process has loaded). Why not
 * `node:crypto`'s `randomFillSync`: loading `node:crypto` initialises OpenSSL and Node's whole
 * crypto module, 2.8 MB RSS on Node 24 (docs/performance.md, "Proxy memory on Node 24"), and a
 * proxy without TLS needs nothing else from it. Callers refill a pool of kilobytes at a time, so a
 * read is one system call per hundreds of requests, as OpenSSL's generator was. Where the device
 * cannot be opened (not Linux or macOS), `node:crypto` it is.
 * @see https://man7.org/linux/man-pages/man4/urandom.4.html
 * @see https://www.rfc-editor.org/rfc/rfc9562#section-6.9 (UUIDs from a CSPRNG)
 */
import { openSync, readSync } from 'node:fs';
import { cryptoModule } from './builtins-on-demand';

let device: number | null | undefined;

function urandom(): number | null {
  if (device === undefined) {
    try {
      device = openSync('/dev/urandom', 'r');
    } catch {
      device = null;
    }
  }
  return device;
}

/** Fills `buf` with random bytes. */
export function fillRandom(buf: Buffer): Buffer {
  const fd = urandom();
  if (fd === null) return cryptoModule().randomFillSync(buf);
  // The device returns what was asked for up to 32 MB per read (urandom(4)); loop regardless.
  for (let at = 0; at < buf.length; ) at += readSync(fd, buf, at, buf.length - at, null);
  return buf;
}

/** Bytes for `randomHex`, refilled a pool at a time: one read per 512 cookies of 8 bytes, not one per cookie. */
const hexPool = Buffer.alloc(4096);
let hexAt = hexPool.length;

/** `n` (≤ 4096) random bytes as 2n lower-case hex digits. */
export function randomHex(n: number): string {
  if (hexAt + n > hexPool.length) {
    fillRandom(hexPool);
    hexAt = 0;
  }
  hexAt += n;
  return hexPool.toString('hex', hexAt - n, hexAt);
}
