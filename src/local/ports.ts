import net from 'node:net';

/**
 * Free loopback ports, picked by binding port 0 and releasing it. Another process may take one
 * before the child binds it; the child then fails with EADDRINUSE and the mesh reports a port
 * conflict naming the listener (PortConflictError) instead of hanging.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const s = net.createServer();
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(0, '127.0.0.1', () => resolve());
      });
      servers.push(s);
    }
    return servers.map((s) => (s.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}
