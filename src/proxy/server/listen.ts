import type { Server } from 'node:net';
import { ListenError } from '../errors';

/**
 * Binds a server (net, tls, http or http2: all share `node:net`'s listen) and resolves with the
 * port it got, so that port 0 works; a bind failure (EADDRINUSE, EACCES) becomes a ListenError
 * naming the listener.
 */
export function listenOn(server: Server, listener: string, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => reject(new ListenError(listener, `${host}:${port}`, e));
    server.once('error', onError);
    server.listen({ host, port }, () => {
      server.off('error', onError);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}
