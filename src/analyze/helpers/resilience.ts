import type { Retries, Fault } from '../../model/resilience';
import type { Service } from '../../model/service';
import type { Route } from '../../model/traffic';
import type { At } from '../../diagnostics/location';

/**
 * The resilience settings one request path actually gets. A service's `resilience` is the default
 * of its routes and of its implicit default route; a route's own `timeout`, `retries` and `fault`
 * override it field by field. Gateway routes carry only their own settings: the service defaults
 * belong to the mesh-bound routes of that service, not to a gateway's.
 */
export interface EffectiveResilience {
  /** Where to point a diagnostic: the route when it declares any of these, else the service. */
  readonly at: At;
  /** `service "x"` or `route "y"`, for messages. */
  readonly what: string;
  readonly timeoutMs?: number;
  readonly retries?: Retries;
  readonly fault?: Fault;
  /** Whether the route overrides at least one of the three fields. */
  readonly routeDeclared: boolean;
}

/** The service default, then every route of the service that overrides something. */
export function effectiveResilienceOf(service: Service): EffectiveResilience[] {
  const r = service.resilience;
  const out: EffectiveResilience[] = [
    { at: service, what: `service "${service.name}"`, timeoutMs: r.timeoutMs, retries: r.retries, fault: r.fault, routeDeclared: false },
  ];
  for (const route of service.routes) {
    if (route.timeoutMs === undefined && route.retries === undefined && route.fault === undefined) continue;
    out.push({
      at: route,
      what: `route "${route.name}" of service "${service.name}"`,
      timeoutMs: route.timeoutMs ?? r.timeoutMs,
      retries: route.retries ?? r.retries,
      fault: route.fault ?? r.fault,
      routeDeclared: true,
    });
  }
  return out;
}

export function effectiveResilienceOfGatewayRoute(gateway: string, route: Route): EffectiveResilience {
  return {
    at: route,
    what: `route "${route.name}" of gateway "${gateway}"`,
    timeoutMs: route.timeoutMs,
    retries: route.retries,
    fault: route.fault,
    routeDeclared: true,
  };
}
