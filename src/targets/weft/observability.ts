import type { MeshModel } from '../../model/mesh';
import type { Service } from '../../model/service';
import type { ProxyConfigInput } from '../../proxy/config/schema';

export type ObservabilityInput = NonNullable<ProxyConfigInput['observability']>;

/**
 * The most specific declaration wins: the service's own setting, else the mesh's with the
 * environment's overrides already applied (`modelForEnvironment`). Tracing is off unless
 * declared (the Mesh construct's default), so the proxy's own default of 1 % — Istio's — is
 * never relied on: no tracing declared means `samplingPercent: 0` (new traces are not sampled;
 * an incoming sampled `traceparent` is still honoured and propagated).
 */
export function observabilityConfig(model: Pick<MeshModel, 'observability'>, service: Service): ObservabilityInput {
  const mesh = model.observability;
  const own = service.observability;
  return {
    metrics: own.metrics ?? mesh.metrics,
    accessLog: own.accessLogs ?? mesh.accessLogs,
    tracing: {
      samplingPercent: own.tracingSamplingPercent ?? mesh.tracing?.samplingPercent ?? 0,
      // Spans of sampled requests go to the declared OTLP collector (batched, bounded, never blocking).
      ...(mesh.tracing?.otlpEndpoint ? { otlp: { endpoint: mesh.tracing.otlpEndpoint } } : {}),
    },
  };
}
