/**
 * Entry point of the echo workload as its own process (`weft echo`, and the bundle the local
 * mesh starts for each instance). Options come from flags or the environment, so that the same
 * image runs in the verification overlay:
 *   --service/WEFT_ECHO_SERVICE --version/WEFT_ECHO_VERSION --instance/WEFT_ECHO_INSTANCE (or POD_NAME)
 *   --port/PORT (default 8080) --host (default 0.0.0.0) --proxy/HTTP_PROXY (forward endpoint)
 *   --tag/WEFT_ECHO_TAG: the verification overlay's tag, echoed in every answer
 *   --grpc-port/WEFT_ECHO_GRPC_PORT N: also serve the gRPC echo (./grpc.ts)
 * On start it prints one JSON line `{"event":"listening","port":…}`; SIGTERM/SIGINT close it.
 */
import { parseArgs } from 'node:util';
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
    },
    strict: true,
  });
  const env = process.env;
  const port = Number(values.port ?? env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${values.port}: not a port`);
  const server = new EchoServer({
    service: values.service ?? env.WEFT_ECHO_SERVICE ?? 'echo',
    version: values.version ?? env.WEFT_ECHO_VERSION ?? 'v1',
    instance: values.instance ?? env.WEFT_ECHO_INSTANCE ?? env.POD_NAME ?? 'echo-0',
    host: values.host ?? '0.0.0.0',
    port,
    proxy: values.proxy ?? env.HTTP_PROXY ?? env.http_proxy,
    tag: values.tag ?? env.WEFT_ECHO_TAG,
  });
  const bound = await server.listen();
  let grpcPort: number | undefined;
  let grpcServer: { close(): Promise<void> } | undefined;
  const grpcOption = values['grpc-port'] ?? env.WEFT_ECHO_GRPC_PORT;
  if (grpcOption !== undefined) {
    const { GrpcEcho } = await import('./grpc');
    const g = new GrpcEcho(server.identity, server.attempts);
    grpcPort = await g.listen(values.host ?? '0.0.0.0', Number(grpcOption));
    grpcServer = g;
  }
  process.stdout.write(`${JSON.stringify({ event: 'listening', port: bound, ...(grpcPort !== undefined ? { grpcPort } : {}), pid: process.pid })}\n`);
  const stop = (): void => void Promise.all([server.close(), grpcServer?.close()]).then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return server;
}
