import type { ServiceRef } from '../model/common';
import type { AuthzTarget } from '../model/security';
import type { Call } from '../model/service';

/** Brand of things a route can send traffic to: a Service, a version of one, or a weighted one. */
export const DESTINATION = Symbol.for('weft.destination');
/** Brand of things a service can call: a Service or an ExternalService. */
export const CALL_TARGET = Symbol.for('weft.call-target');

export interface DestinationSpec {
  service: ServiceRef;
  version?: string;
  weight?: number;
  port?: number;
}

export interface DestinationLike {
  [DESTINATION](): DestinationSpec;
}

export interface CallTarget {
  [CALL_TARGET](): Call['target'];
}

export function isDestination(v: unknown): v is DestinationLike {
  return typeof v === 'object' && v !== null && typeof (v as Record<symbol, unknown>)[DESTINATION] === 'function';
}

export function isCallTarget(v: unknown): v is CallTarget {
  return typeof v === 'object' && v !== null && typeof (v as Record<symbol, unknown>)[CALL_TARGET] === 'function';
}

/** Brand of a narrowed call entry (`service.only(...)`): what the caller may do at the callee. */
export const CALL_NARROWING = Symbol.for('weft.call-narrowing');

/** A `calls` entry that restricts the caller to some requests: `calls: [reviews.only({ methods: ['GET'] })]`. */
export class NarrowedCall implements CallTarget {
  constructor(
    private readonly target: CallTarget,
    private readonly only: AuthzTarget | undefined,
  ) {}
  [CALL_TARGET](): Call['target'] {
    return this.target[CALL_TARGET]();
  }
  /** The permitted requests; undefined when the props were invalid (reported where `only` was called). */
  [CALL_NARROWING](): AuthzTarget | undefined {
    return this.only;
  }
}

/** The narrowing of a `calls` entry, if it is one. */
export function narrowingOf(t: CallTarget): AuthzTarget | undefined {
  return t instanceof NarrowedCall ? t[CALL_NARROWING]() : undefined;
}

/** A destination with an explicit weight, from `service.weight(20)` or `service.version('v1').weight(20)`. */
export class WeightedDestination implements DestinationLike {
  constructor(private readonly spec: DestinationSpec) {}
  [DESTINATION](): DestinationSpec {
    return this.spec;
  }
}

/** One version (a subset) of a service. */
export class VersionRef implements DestinationLike {
  constructor(
    readonly service: ServiceRef,
    readonly name: string,
  ) {}
  /** This version with a traffic share in percent. */
  weight(percent: number): WeightedDestination {
    return new WeightedDestination({ service: this.service, version: this.name, weight: percent });
  }
  /** This version on a given service port. */
  port(port: number): WeightedDestination {
    return new WeightedDestination({ service: this.service, version: this.name, port });
  }
  [DESTINATION](): DestinationSpec {
    return { service: this.service, version: this.name };
  }
}
