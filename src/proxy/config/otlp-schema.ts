/** OTLP/HTTP span export settings (observability.tracing.otlp). */
import { z } from 'zod';

const positiveMs = z.number().int().min(1).describe('Duration in integer milliseconds (> 0).');

export const otlpSchema = z
  .strictObject({
    endpoint: z
      .string()
      .regex(/^https?:\/\/[^\s/]+\/\S*$/, 'must be an http(s) URL with a path, e.g. http://otel-collector.observability:4318/v1/traces')
      .describe('OTLP/HTTP traces URL, e.g. http://otel-collector:4318/v1/traces.'),
    encoding: z
      .enum(['json', 'protobuf'])
      .default('json')
      .describe('Body encoding: `json` (application/json) or `protobuf` (application/x-protobuf, binary ExportTraceServiceRequest). @default json @see https://opentelemetry.io/docs/specs/otlp/#otlphttp-request'),
    maxQueueSize: z.number().int().min(1).default(2048).describe('Spans waiting for export; more are dropped and counted. @default 2048 (OpenTelemetry BatchSpanProcessor)'),
    maxBatchSize: z.number().int().min(1).default(512).describe('Spans per export request. @default 512'),
    flushIntervalMs: positiveMs.default(5_000).describe('Export at least this often. @default 5000'),
    timeoutMs: positiveMs.default(10_000).describe('Bound of one export request. @default 10000'),
  })
  .describe('Export the proxy\'s spans of sampled requests over OTLP/HTTP.');

export type OtlpConfig = z.output<typeof otlpSchema>;
