/**
 * Span export over OTLP/HTTP, JSON or binary protobuf (otlp-protobuf.ts) as configured: one SERVER (inbound) or CLIENT (outbound) span
 * per sampled request, batched like OpenTelemetry's BatchSpanProcessor — a bounded queue,
 * batches of at most `maxBatchSize`, a flush every `flushIntervalMs` or as soon as a batch is
 * full, one export in flight, each bounded by `timeoutMs`. A slow or dead collector never blocks
 * a request and never grows memory: spans that do not fit the queue, and batches the collector
 * refused or never answered, are dropped and counted (weft_proxy_spans_dropped_total).
 * @see https://opentelemetry.io/docs/specs/otlp/#otlphttp
 * @see https://opentelemetry.io/docs/specs/otel/trace/sdk/#batching-processor
 * @see https://github.com/open-telemetry/opentelemetry-proto/blob/main/opentelemetry/proto/trace/v1/trace.proto
 */
import type { OtlpConfig } from './config/otlp-schema';
import type { Exchange } from './exchange';
import { encodeExportTraceRequest } from './otlp-protobuf';
import { controlRequest } from './control-request';

type AnyValue = { stringValue: string } | { intValue: string } | { boolValue: boolean };
interface KeyValue {
  key: string;
  value: AnyValue;
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** 2 = SERVER, 3 = CLIENT (trace.proto SpanKind). */
  kind: 2 | 3;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: KeyValue[];
  /** 0 = UNSET, 2 = ERROR (trace.proto Status.StatusCode). */
  status: { code: 0 | 2 };
}

export interface ResourceLabels {
  service: string;
  namespace: string;
  workload: string;
  version: string;
}

const str = (key: string, v: string): KeyValue => ({ key, value: { stringValue: v } });
const int = (key: string, v: number): KeyValue => ({ key, value: { intValue: String(v) } });
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The proxy's span of a finished request, or null when it is not sampled. */
export function spanOf(ex: Exchange, durationMs: number): OtlpSpan | null {
  const m = TRACEPARENT.exec(ex.traceparent);
  if (!m || (parseInt(m[3]!, 16) & 1) === 0) return null;
  const parent = ex.header('x-b3-parentspanid');
  const startNs = BigInt(ex.startTime) * 1_000_000n;
  const endNs = startNs + BigInt(Math.max(0, Math.round(durationMs * 1e6)));
  const attributes = [
    str('http.request.method', ex.method),
    str('url.path', ex.pathname),
    str('server.address', ex.authority),
    int('http.response.status_code', ex.status),
    str('guid:x-request-id', ex.requestId),
    str('response_flags', ex.flags === '' ? '-' : ex.flags),
    str('network.protocol.name', ex.protocol),
  ];
  if (ex.target) attributes.push(str('upstream_cluster', ex.target.clusterName));
  if (ex.endpoint) attributes.push(str('upstream.address', ex.endpoint.hostLabel));
  if (ex.route) attributes.push(str('route_name', ex.route.name));
  return {
    traceId: m[1]!,
    spanId: m[2]!,
    ...(parent ? { parentSpanId: parent.padStart(16, '0') } : {}),
    // Istio names sidecar spans `<host>/*` style: authority plus a wildcard path.
    name: `${ex.authority || 'unknown'}/*`,
    kind: ex.listener.kind === 'inbound' ? 2 : 3,
    startTimeUnixNano: String(startNs),
    endTimeUnixNano: String(endNs),
    attributes,
    status: { code: ex.status >= 500 || ex.status === 0 ? 2 : 0 },
  };
}

export class OtlpExporter {
  private queue: OtlpSpan[] = [];
  private inflight: Promise<void> | null = null;
  private readonly timer: NodeJS.Timeout;
  private readonly resource: KeyValue[];
  exported = 0;
  droppedQueueFull = 0;
  droppedExportFailed = 0;
  exportFailures = 0;

  constructor(
    private readonly config: OtlpConfig,
    labels: ResourceLabels,
  ) {
    this.resource = [
      str('service.name', labels.service),
      str('service.namespace', labels.namespace),
      str('service.version', labels.version),
      str('k8s.namespace.name', labels.namespace),
      str('istio.canonical_service', labels.service),
      str('telemetry.sdk.name', 'weft-proxy'),
    ];
    this.timer = setInterval(() => this.flush(), config.flushIntervalMs);
    this.timer.unref();
  }

  get queued(): number {
    return this.queue.length;
  }

  /** Enqueues a span; never blocks, never throws. */
  add(span: OtlpSpan): void {
    if (this.queue.length >= this.config.maxQueueSize) {
      this.droppedQueueFull++;
      return;
    }
    this.queue.push(span);
    if (this.queue.length >= this.config.maxBatchSize) this.flush();
  }

  /** Starts exporting one batch unless one is already in flight. */
  flush(): Promise<void> {
    if (this.inflight) return this.inflight;
    if (this.queue.length === 0) return Promise.resolve();
    const batch = this.queue.splice(0, this.config.maxBatchSize);
    this.inflight = this.send(batch).finally(() => {
      this.inflight = null;
      // More than a batch waiting: keep going without waiting for the timer.
      if (this.queue.length >= this.config.maxBatchSize) void this.flush();
    });
    return this.inflight;
  }

  private async send(spans: OtlpSpan[]): Promise<void> {
    const protobuf = this.config.encoding === 'protobuf';
    const body = protobuf
      ? encodeExportTraceRequest(this.resource, 'weft-proxy', spans)
      : JSON.stringify({ resourceSpans: [{ resource: { attributes: this.resource }, scopeSpans: [{ scope: { name: 'weft-proxy' }, spans }] }] });
    try {
      // Not fetch: its first call loads undici, 13–15 MB of RSS (./control-request.ts).
      const res = await controlRequest(this.config.endpoint, {
        method: 'POST',
        headers: { 'content-type': protobuf ? 'application/x-protobuf' : 'application/json' },
        body,
        signal: AbortSignal.timeout(this.config.timeoutMs),
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      this.exported += spans.length;
    } catch {
      // OTLP allows retrying 429/502/503/504; a sidecar keeps no backlog instead — memory stays bounded.
      this.exportFailures++;
      this.droppedExportFailed += spans.length;
    }
  }

  /** Stops the timer and exports what is queued (bounded by the export timeout per batch). */
  async close(): Promise<void> {
    clearInterval(this.timer);
    for (let i = 0; i < 8 && (this.queue.length > 0 || this.inflight); i++) {
      await (this.inflight ?? this.flush());
    }
  }
}
