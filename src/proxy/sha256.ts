import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';

/**
 * The SHA-256 digest of `text`'s UTF-8 bytes, as 64 lower-case hex digits: the config hash
 * (`sha256:<hex>` in `/config_dump` and `weft_proxy_config_info`). From @noble/hashes (audited,
 * pure JavaScript), not `node:crypto`'s `createHash`: loading `node:crypto` initialises OpenSSL and
 * Node's whole crypto module, 2.8 MB RSS on Node 24 (docs/performance.md, "Proxy memory on Node
 * 24"), and a proxy without TLS needs nothing else from it. The hash runs at start, at each reload
 * and at each poll of the config watcher (../reload.ts), over files of kilobytes.
 */
export function sha256Hex(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text)));
}
