/**
 * The echo's raw TCP mode (`weft echo --tcp-port N`), for TCP routes: on every connection it
 * first writes one JSON line with who answers (`{"service","version","instance","protocol":"tcp"}`),
 * then echoes every byte back, so that a client can tell which version a TCP split sent it to
 * without speaking any application protocol, and can see its bytes pass both ways.
 */
import net, { type AddressInfo } from 'node:net';
import type { EchoIdentity } from './server';

export class TcpEcho {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();

  /** `identity.tag`: the verification overlay's tag, in the identity line (cluster readiness). */
  constructor(identity: EchoIdentity & { tag?: string }) {
    const line = `${JSON.stringify({ ...identity, protocol: 'tcp' })}\n`;
    this.server = net.createServer((socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      socket.on('error', () => socket.destroy());
      socket.write(line);
      socket.pipe(socket);
    });
  }

  async listen(host: string, port: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    return (this.server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
