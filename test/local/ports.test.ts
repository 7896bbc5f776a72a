/**
 * Free ports for the local mesh's children (src/local/ports.ts): distinct, free to bind, and on
 * Linux below the kernel's ephemeral range, where no other process's listen(0) and no outgoing
 * connection's local end can take one between the pick and the child's bind.
 */
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePorts } from '../../src/local/ports';

const RANGE_FILE = '/proc/sys/net/ipv4/ip_local_port_range';

const bind = (port: number) =>
  new Promise<net.Server>((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve(s));
  });

describe('free loopback ports', () => {
  it('are distinct and free to bind once returned', async () => {
    const ports = await freePorts(40);
    expect(new Set(ports).size).toBe(40);
    const servers = await Promise.all(ports.map(bind));
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  it.runIf(existsSync(RANGE_FILE))('lie below the ephemeral range (Linux)', async () => {
    const ephemeralLow = Number(readFileSync(RANGE_FILE, 'utf8').trim().split(/\s+/)[0]);
    // With less room below the range than the picker needs, it falls back to listen(0).
    if (ephemeralLow < 22_000) return;
    for (const port of await freePorts(40)) {
      expect(port).toBeGreaterThanOrEqual(20_000);
      expect(port).toBeLessThan(ephemeralLow);
    }
  });

  it('skips a port another process holds', async () => {
    const held = await freePorts(1);
    const squatter = await bind(held[0]!);
    try {
      // Many picks: none may be the held port.
      for (let i = 0; i < 5; i++) expect(await freePorts(50)).not.toContain(held[0]);
    } finally {
      await new Promise((r) => squatter.close(r));
    }
  });
});
