import type { Command } from '../command';
import { ExitCode } from '../command';

/** Kept here (not in src/echo) so that `weft --help` does not load the echo server. */
const ECHO_USAGE = `usage: weft echo [--service S] [--version V] [--instance I] [--port N] [--host H] [--proxy URL] [--grpc-port N] [--tcp-port N]

Runs the echo workload: answers every request in JSON with the service, version and instance
that served it and what it received; obeys query controls (status, delay, reset, size,
succeedAfter, header, grpcStatus); counts attempts per x-request-id; POST /__weft/forward calls
another service through the outbound proxy given by --proxy (or HTTP_PROXY). --grpc-port also
serves the gRPC echo (weft.echo.v1.Echo/Call, src/echo/echo.proto), and h2c connections to --port
are relayed to it; --tcp-port also serves a raw TCP echo (an identity line, then the bytes back).
See docs/verify.md.
`;

export const command: Command = {
  name: 'echo',
  summary: 'run the echo workload used by local meshes and verification',
  usage: ECHO_USAGE,
  async run(args) {
    const { runEcho } = await import('../../echo/main');
    try {
      await runEcho(args);
    } catch (error) {
      process.stderr.write(`weft echo: ${(error as Error).message}\n`);
      return ExitCode.usage;
    }
    return await new Promise<number>(() => {});
  },
};
