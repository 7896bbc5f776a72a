/**
 * The admin listener (Envoy's admin interface, trimmed to what operators and the verifier use):
 * - GET /ready        200 `ready` while serving; 503 `draining` during graceful drain, so the
 *                     kubelet stops sending traffic before the listeners close.
 * - GET /config_dump  the active config as loaded (defaults applied), its sha256 hash, when it
 *                     was loaded and the reload counters — proof of which config serves.
 * - GET /metrics      Prometheus text: Istio standard metrics plus weft_proxy_* internals.
 * - GET /clusters     endpoints per service with in-flight counts and outlier state.
 */
import { createServer, type Server } from 'node:http';
import { listenOn } from './listen';

export interface AdminSource {
  ready(): boolean;
  configDump(): unknown;
  metrics(): Promise<string>;
  clusters(): unknown;
}

export class AdminServer {
  readonly server: Server;

  constructor(private readonly source: AdminSource) {
    this.server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      const send = (status: number, type: string, body: string): void => {
        res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) }).end(body);
      };
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain', 'method not allowed\n');
      switch (path) {
        case '/ready':
          return this.source.ready() ? send(200, 'text/plain', 'ready\n') : send(503, 'text/plain', 'draining\n');
        case '/config_dump':
          return send(200, 'application/json', JSON.stringify(this.source.configDump(), null, 2) + '\n');
        case '/clusters':
          return send(200, 'application/json', JSON.stringify(this.source.clusters(), null, 2) + '\n');
        case '/metrics':
          this.source.metrics().then(
            (text) => send(200, 'text/plain; version=0.0.4; charset=utf-8', text),
            (error: Error) => send(500, 'text/plain', `metrics unavailable: ${error.message}\n`),
          );
          return;
        default:
          return send(404, 'text/plain', 'not found: try /ready, /config_dump, /metrics, /clusters\n');
      }
    });
  }

  listen(host: string, port: number): Promise<number> {
    return listenOn(this.server, 'admin', host, port);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
