/**
 * A tiny authoritative DNS server over UDP on loopback for discovery tests (RFC 1035 wire
 * format): A records with TTLs from a mutable table, NXDOMAIN for unknown names, and a `down`
 * switch that drops queries (the client times out), as an unreachable resolver would.
 */
import { createSocket, type Socket } from 'node:dgram';

export interface TestDns {
  port: number;
  records: Map<string, { addresses: string[]; ttl: number }>;
  queries: number;
  down: boolean;
  close(): Promise<void>;
}

function readName(buf: Buffer, offset: number): [string, number] {
  const labels: string[] = [];
  let i = offset;
  while (buf[i] !== 0) {
    const len = buf[i]!;
    labels.push(buf.toString('ascii', i + 1, i + 1 + len));
    i += len + 1;
  }
  return [labels.join('.').toLowerCase(), i + 1];
}

export async function startDns(): Promise<TestDns> {
  const socket: Socket = createSocket('udp4');
  const state: TestDns = {
    port: 0,
    records: new Map(),
    queries: 0,
    down: false,
    close: () => new Promise((r) => socket.close(() => r())),
  };
  socket.on('message', (msg, rinfo) => {
    state.queries++;
    if (state.down || msg.length < 12) return;
    const id = msg.readUInt16BE(0);
    const [name, end] = readName(msg, 12);
    const qtype = msg.readUInt16BE(end);
    const question = msg.subarray(12, end + 4);
    const rec = state.records.get(name);
    const answers = rec && qtype === 1 ? rec.addresses : [];
    const header = Buffer.alloc(12);
    header.writeUInt16BE(id, 0);
    // QR=1, AA=1, RD copied, RA=1; RCODE 3 (NXDOMAIN) for unknown names.
    header.writeUInt16BE(0x8400 | (msg.readUInt16BE(2) & 0x0100) | 0x0080 | (rec ? 0 : 3), 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    const rrs = answers.map((a) => {
      const rr = Buffer.alloc(16);
      rr.writeUInt16BE(0xc00c, 0); // pointer to the question name
      rr.writeUInt16BE(1, 2); // A
      rr.writeUInt16BE(1, 4); // IN
      rr.writeUInt32BE(rec!.ttl, 6);
      rr.writeUInt16BE(4, 10);
      a.split('.').forEach((o, k) => rr.writeUInt8(Number(o), 12 + k));
      return rr;
    });
    socket.send(Buffer.concat([header, question, ...rrs]), rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  state.port = socket.address().port;
  return state;
}
