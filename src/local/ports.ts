import { readFileSync } from 'node:fs';
import net from 'node:net';

/**
 * Free loopback ports, picked by binding them and releasing them for a child to bind. Another
 * process may take one in between; the child then fails with EADDRINUSE and the mesh reports a
 * port conflict naming the listener (PortConflictError) instead of hanging.
 *
 * The ports are picked below the kernel's ephemeral range, not with `listen(0)`: every
 * `listen(0)` of another process and the local end of every outgoing connection come from that
 * range, and under load (the verifier's probes, a benchmark's clients) thousands of them are
 * taken and released each second — a port released there is soon someone's again. Below the
 * range only an explicit bind of the same number can collide. Where the range is unknown (no
 * Linux /proc) or leaves no room below it, `listen(0)` picks as before.
 * @see https://www.kernel.org/doc/html/latest/networking/ip-sysctl.html (ip_local_port_range)
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    const range = pickRange();
    for (let tries = 0; servers.length < count; tries++) {
      if (range && tries > count * 20 + 100) throw new Error(`no ${count} free loopback ports found in ${range.low}..${range.high}`);
      const s = net.createServer();
      const bound = await new Promise<boolean>((resolve, reject) => {
        s.once('error', (error: NodeJS.ErrnoException) => (range && (error.code === 'EADDRINUSE' || error.code === 'EACCES') ? resolve(false) : reject(error)));
        s.listen(range ? range.low + Math.floor(Math.random() * (range.high - range.low + 1)) : 0, '127.0.0.1', () => resolve(true));
      });
      if (bound) servers.push(s);
    }
    return servers.map((s) => (s.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

/** Above the registered ports servers commonly use (e.g. 8080, 9090, 15000–15021 of Istio). */
const PICK_LOW = 20_000;
/** Fewer candidates than this below the ephemeral range: pick with listen(0) instead. */
const MIN_ROOM = 2_000;

/** The ports below the ephemeral range to pick from, or undefined for `listen(0)`. */
function pickRange(): { low: number; high: number } | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8');
  } catch {
    return undefined;
  }
  const ephemeralLow = Number(text.trim().split(/\s+/)[0]);
  if (!Number.isInteger(ephemeralLow) || ephemeralLow - PICK_LOW < MIN_ROOM) return undefined;
  return { low: PICK_LOW, high: ephemeralLow - 1 };
}
