/**
 * Entry point of the echo workload as its own process (`weft echo`, and the bundle the local
 * mesh starts for each instance). Options come from flags or the environment, so that the same
 * image runs in the verification overlay:
 *   --service/WEFT_ECHO_SERVICE --version/WEFT_ECHO_VERSION --instance/WEFT_ECHO_INSTANCE (or POD_NAME)
 *   --port/PORT (default 8080) --host (default 0.0.0.0) --proxy/HTTP_PROXY (forward endpoint)
 *   --tag/WEFT_ECHO_TAG: the verification overlay's tag, echoed in every answer
 *   --grpc-port/WEFT_ECHO_GRPC_PORT N: also serve the gRPC echo (./grpc.ts) on port N; h2c
 *     connections to --port are relayed to it (0: an internal port, reached only that way)
 *   --tcp-port/WEFT_ECHO_TCP_PORT N: also serve the raw TCP echo (./tcp.ts): an identity line, then the bytes back
 * On start it prints one JSON line `{"event":"listening","port":…}`; SIGTERM/SIGINT close it.
 */
import { parseArgs } from 'node:util';
import { AttemptCounter } from './attempts';
import { EchoServer } from './server';


export async function runEcho(args: string[]): Promise<EchoServer> {
  const { values } = parseArgs({
    args,
    options: {
      service: { type: 'string' },
      version: { type: 'string' },
      instance: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      proxy: { type: 'string' },
      tag: { type: 'string' },
      'grpc-port': { type: 'string' },
      'tcp-port': { type: 'string' },
    },
    strict: true,
  });
  const env = process.env;
  const port = Number(values.port ?? env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${values.port}: not a port`);
  // The gRPC echo first: the HTTP echo relays h2c connections on its port to it.
  let grpcPort: number | undefined;
  let grpcServer: { close(): Promise<void> } | undefined;
  const grpcOption = values['grpc-port'] ?? env.WEFT_ECHO_GRPC_PORT;
  const identity = {
    service: values.service ?? env.WEFT_ECHO_SERVICE ?? 'echo',
    version: values.version ?? env.WEFT_ECHO_VERSION ?? 'v1',
    instance: values.instance ?? env.WEFT_ECHO_INSTANCE ?? env.POD_NAME ?? 'echo-0',
  };
  const attempts = new AttemptCounter();
  if (grpcOption !== undefined) {
    const { GrpcEcho } = await import('./grpc');
    const g = new GrpcEcho(identity, attempts, values.tag ?? env.WEFT_ECHO_TAG);
    // Port 0: an internal port, reached only through the relay on the main port.
    grpcPort = await g.listen(grpcOption === '0' ? '127.0.0.1' : (values.host ?? '0.0.0.0'), Number(grpcOption));
    grpcServer = g;
  }
  const server = new EchoServer({
    ...identity,
    host: values.host ?? '0.0.0.0',
    port,
    proxy: values.proxy ?? env.HTTP_PROXY ?? env.http_proxy,
    tag: values.tag ?? env.WEFT_ECHO_TAG,
    attempts,
    ...(grpcPort !== undefined ? { h2Relay: grpcPort } : {}),
  });
  const bound = await server.listen();
  let tcpPort: number | undefined;
  let tcpServer: { close(): Promise<void> } | undefined;
  const tcpOption = values['tcp-port'] ?? env.WEFT_ECHO_TCP_PORT;
  if (tcpOption !== undefined) {
    const { TcpEcho } = await import('./tcp');
    const tag = values.tag ?? env.WEFT_ECHO_TAG;
    const t = new TcpEcho(tag ? { ...identity, tag } : identity);
    tcpPort = await t.listen(values.host ?? '0.0.0.0', Number(tcpOption));
    tcpServer = t;
  }
  process.stdout.write(`${JSON.stringify({ event: 'listening', port: bound, ...(grpcPort !== undefined ? { grpcPort } : {}), ...(tcpPort !== undefined ? { tcpPort } : {}), pid: process.pid })}\n`);
  const stop = (): void => void Promise.all([server.close(), grpcServer?.close(), tcpServer?.close()]).then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // Started by the local mesh with an IPC channel: its closing means the mesh process is gone
  // (even SIGKILLed), and an orphaned echo would hold its port forever.
  if (env.WEFT_STOP_WITH_PARENT === '1' && process.channel) {
    process.channel.unref();
    process.once('disconnect', stop);
  }
  return server;
}
