/**
 * Buffers the request body when the route needs to send it more than once (retries, mirror).
 * Bodies up to `limits.maxRequestBodyBufferBytes` are held in memory and replayed byte for
 * byte; a larger body is streamed through as it arrives and the request is simply not retried
 * or mirrored — the same trade-off as Envoy's per_request_buffer_limit_bytes for retries.
 */
import type { Readable } from 'node:stream';
import { DownstreamClosedError } from '../errors';
import type { Step } from './types';

async function* replayThenStream(head: Buffer[], rest: Readable): AsyncIterable<Buffer> {
  for (const c of head) yield c;
  for await (const c of rest) yield c as Buffer;
}

export function bufferBodyStep(limit: number): Step {
  return (next) => (ex, handler) => {
    if (ex.body === null || ex.replayable) return next(ex, handler);
    const stream = ex.body as Readable;
    if (ex.bodyLength > limit) return next(ex, handler);
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const cleanup = (): void => {
      settled = true;
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
    };
    const onData = (c: Buffer): void => {
      chunks.push(c);
      size += c.length;
      if (size > limit) {
        stream.pause();
        cleanup();
        ex.body = replayThenStream(chunks, stream);
        next(ex, handler);
      }
    };
    const onEnd = (): void => {
      cleanup();
      ex.body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      ex.bodyLength = size;
      ex.replayable = true;
      next(ex, handler);
    };
    const onError = (): void => {
      cleanup();
      handler.onError(new DownstreamClosedError());
    };
    handler.onConnect({
      abort: (error) => {
        if (settled) return;
        cleanup();
        stream.destroy();
        handler.onError(error);
      },
    });
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
  };
}
