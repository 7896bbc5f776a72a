/**
 * A service of the config at runtime: its subsets as endpoint sets, its circuit breaker and
 * outlier detector. Built by the runtime from the config; endpoints come from the registry so
 * that state survives reloads.
 */
import type { ConnectionPoolConfig, LoadBalancerConfig, OutlierConfig } from '../config/schema';
import { CircuitBreaker } from './circuit-breaker';
import type { Endpoint } from './endpoint';
import { EndpointSet } from './endpoint-set';
import { OutlierDetector } from './outlier-detector';

export interface ServiceSpec {
  name: string;
  lb: LoadBalancerConfig;
  outlier: OutlierConfig | undefined;
  pool: ConnectionPoolConfig | undefined;
  /** subset name → endpoints and the metrics label text of that subset. */
  subsets: Array<{ name: string; endpoints: Endpoint[]; metricKey: string }>;
  /** Label text when the destination is the whole service and no endpoint was reached. */
  serviceMetricKey: string;
}

export class ServiceRuntime {
  readonly name: string;
  readonly breaker: CircuitBreaker;
  readonly outlier: OutlierDetector | null;
  readonly all: EndpointSet;
  private readonly subsets = new Map<string, EndpointSet>();

  constructor(spec: ServiceSpec) {
    this.name = spec.name;
    this.breaker = new CircuitBreaker(spec.pool);
    const endpoints = [...new Set(spec.subsets.flatMap((s) => s.endpoints))];
    const panicBelow = spec.outlier?.minHealthPercent ?? 0;
    for (const s of spec.subsets) this.subsets.set(s.name, new EndpointSet(this, s.name, s.endpoints, s.metricKey, spec.lb, panicBelow));
    this.all = new EndpointSet(this, undefined, endpoints, spec.serviceMetricKey, spec.lb, panicBelow);
    this.outlier = spec.outlier ? new OutlierDetector(spec.outlier, endpoints, () => this.rebuild()) : null;
    // Endpoints may arrive already ejected from the previous config: start from their real state.
    if (endpoints.some((e) => e.ejected)) this.rebuild();
  }

  subset(name: string | undefined): EndpointSet | undefined {
    return name === undefined ? this.all : this.subsets.get(name);
  }

  private rebuild(): void {
    this.all.rebuild();
    for (const s of this.subsets.values()) s.rebuild();
  }

  start(): void {
    this.outlier?.start();
  }

  stop(): void {
    this.outlier?.stop();
  }
}
