/**
 * An upgraded HTTP/1.1 connection (WebSocket) after both sides agreed to switch protocols: from
 * here the proxy is a byte pipe, as Envoy treats an upgraded stream — it does not read the
 * frames; either side closing (or failing) closes the other, a half-close is passed on, and a
 * tunnel with no bytes either way for `idleMs` is closed (Envoy's stream idle timeout).
 * @see https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/http/upgrades
 */
import type { Socket } from 'node:net';

/** Envoy's default HttpConnectionManager `stream_idle_timeout` (5 minutes). */
export const UPGRADED_IDLE_TIMEOUT_MS = 300_000;

/**
 * Splices `client` and `upstream`: `toUpstream` (bytes the client sent after its request head)
 * and `toClient` (bytes the upstream sent after its 101) are delivered first.
 */
export function spliceUpgraded(client: Socket, upstream: Socket, toUpstream: Buffer | null, toClient: Buffer | null, idleMs = UPGRADED_IDLE_TIMEOUT_MS, onClosed?: () => void): void {
  let done = false;
  const finish = (): void => {
    if (done) return;
    done = true;
    client.destroy();
    upstream.destroy();
    onClosed?.();
  };
  client.on('error', finish);
  upstream.on('error', finish);
  client.on('close', finish);
  upstream.on('close', finish);
  if (toClient !== null && toClient.length > 0) client.write(toClient);
  if (toUpstream !== null && toUpstream.length > 0) upstream.write(toUpstream);
  client.pipe(upstream);
  upstream.pipe(client);
  client.resume();
  upstream.resume();
  // Bytes in both directions pass through the client socket, so its timer sees all activity.
  client.setTimeout(idleMs, finish);
}
