/**
 * OTLP/HTTP binary encoding (`application/x-protobuf`) of an ExportTraceServiceRequest, written
 * by hand: the proxy's spans use a handful of fields, so a small wire-format writer costs less
 * than a protobuf runtime in the sidecar. Field numbers follow opentelemetry-proto:
 *   ExportTraceServiceRequest.resource_spans = 1
 *   ResourceSpans { resource = 1; scope_spans = 2 }   Resource { attributes = 1 }
 *   ScopeSpans { scope = 1; spans = 2 }                InstrumentationScope { name = 1 }
 *   Span { trace_id = 1 (bytes); span_id = 2; parent_span_id = 4; name = 5; kind = 6;
 *          start_time_unix_nano = 7 (fixed64); end_time_unix_nano = 8 (fixed64);
 *          attributes = 9; status = 15 }                Status { code = 3 }
 *   KeyValue { key = 1; value = 2 }   AnyValue { string_value = 1; bool_value = 2; int_value = 3 (int64) }
 * @see https://github.com/open-telemetry/opentelemetry-proto/blob/main/opentelemetry/proto/trace/v1/trace.proto
 * @see https://github.com/open-telemetry/opentelemetry-proto/blob/main/opentelemetry/proto/common/v1/common.proto
 * @see https://protobuf.dev/programming-guides/encoding/
 */
import type { OtlpSpan } from './otlp-exporter';

type AnyValue = { stringValue: string } | { intValue: string } | { boolValue: boolean };
export interface KeyValue {
  key: string;
  value: AnyValue;
}

/** Wire types (protobuf encoding guide). */
const VARINT = 0;
const I64 = 1;
const LEN = 2;

/** An append-only protobuf writer; nested messages are encoded first and written as bytes. */
class Writer {
  private readonly parts: Buffer[] = [];
  private size = 0;

  private push(b: Buffer): void {
    this.parts.push(b);
    this.size += b.length;
  }

  private varint(v: bigint): void {
    const bytes: number[] = [];
    // int64 negatives are 10-byte two's complement varints.
    let n = BigInt.asUintN(64, v);
    while (n >= 0x80n) {
      bytes.push(Number(n & 0x7fn) | 0x80);
      n >>= 7n;
    }
    bytes.push(Number(n));
    this.push(Buffer.from(bytes));
  }

  private tag(field: number, wire: number): void {
    this.varint(BigInt((field << 3) | wire));
  }

  uint(field: number, v: number | bigint): this {
    this.tag(field, VARINT);
    this.varint(BigInt(v));
    return this;
  }

  bool(field: number, v: boolean): this {
    return this.uint(field, v ? 1 : 0);
  }

  fixed64(field: number, v: bigint): this {
    this.tag(field, I64);
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt.asUintN(64, v));
    this.push(b);
    return this;
  }

  bytes(field: number, v: Buffer): this {
    this.tag(field, LEN);
    this.varint(BigInt(v.length));
    this.push(v);
    return this;
  }

  string(field: number, v: string): this {
    return this.bytes(field, Buffer.from(v, 'utf8'));
  }

  message(field: number, m: Writer): this {
    return this.bytes(field, m.finish());
  }

  finish(): Buffer {
    return Buffer.concat(this.parts, this.size);
  }
}

function anyValue(v: AnyValue): Writer {
  const w = new Writer();
  if ('stringValue' in v) w.string(1, v.stringValue);
  else if ('boolValue' in v) w.bool(2, v.boolValue);
  else w.uint(3, BigInt(v.intValue));
  return w;
}

function keyValue(kv: KeyValue): Writer {
  return new Writer().string(1, kv.key).message(2, anyValue(kv.value));
}

function span(s: OtlpSpan): Writer {
  const w = new Writer().bytes(1, Buffer.from(s.traceId, 'hex')).bytes(2, Buffer.from(s.spanId, 'hex'));
  if (s.parentSpanId) w.bytes(4, Buffer.from(s.parentSpanId, 'hex'));
  w.string(5, s.name).uint(6, s.kind).fixed64(7, BigInt(s.startTimeUnixNano)).fixed64(8, BigInt(s.endTimeUnixNano));
  for (const a of s.attributes) w.message(9, keyValue(a));
  // Status.code (field 3); UNSET (0) is the default and may be left out, but an empty Status is explicit.
  const status = new Writer();
  if (s.status.code !== 0) status.uint(3, s.status.code);
  return w.message(15, status);
}

/** The request body of one export: the proxy's resource, one scope, the batch of spans. */
export function encodeExportTraceRequest(resource: readonly KeyValue[], scope: string, spans: readonly OtlpSpan[]): Buffer {
  const res = new Writer();
  for (const a of resource) res.message(1, keyValue(a));
  const scopeSpans = new Writer().message(1, new Writer().string(1, scope));
  for (const s of spans) scopeSpans.message(2, span(s));
  const resourceSpans = new Writer().message(1, res).message(2, scopeSpans);
  return new Writer().message(1, resourceSpans).finish();
}
