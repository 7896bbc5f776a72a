// The floor of any Node.js proxy: node:http server + undici Pool.dispatch, no routing, no
// policies, no telemetry — only hop-by-hop headers are dropped. Weft is built on the same two
// pieces, so `weft ÷ node-floor` is what Weft's features cost and `node-floor ÷ nginx` what the
// platform costs. Plain JS (no tsx) and `undici` loaded as Weft loads it (Pool only).
import { createServer } from 'node:http';
import { createRequire } from 'node:module';

const Pool = createRequire(import.meta.url)('undici/lib/dispatcher/pool.js');
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);
const [port, target] = [Number(process.argv[2]), process.argv[3]];
const pool = new Pool(target, { connections: 1024, pipelining: 1 });

function headersOf(raw) {
  const out = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toString('latin1').toLowerCase();
    if (!HOP.has(name)) out.push(name, raw[i + 1].toString('latin1'));
  }
  return out;
}

createServer((req, res) => {
  const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
  pool.dispatch(
    { path: req.url, method: req.method, headers: headersOf(req.rawHeaders), body: hasBody ? req : null },
    {
      onConnect() {},
      onHeaders(status, raw) {
        res.writeHead(status, headersOf(raw));
        return true;
      },
      onData(chunk) {
        return res.write(chunk);
      },
      onComplete() {
        res.end();
      },
      onError() {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      },
    },
  );
}).listen(port, '127.0.0.1');
