import type { Construct } from 'constructs';
import { serviceFqdn, type ServiceRef } from '../model/common';
import type { Call, Port, Probe, Service as ServiceModel } from '../model/service';
import { WeftConstruct } from './base';
import { servicePropsSchema, type ServiceProps, type ParsedServiceProps } from './props/service';
import type { RouteProps } from './props/route';
import { Route } from './route';
import { AuthorizationRule, JwtRule, Slo, type AuthorizationProps, type JwtProps, type SloProps } from './policies';
import { CALL_TARGET, DESTINATION, NarrowedCall, VersionRef, WeightedDestination, isCallTarget, narrowingOf, type CallTarget, type DestinationLike, type DestinationSpec } from './refs';
import { authzOperationPropsSchema, type AuthzOperationProps } from './props/security';
import { captureLocation } from './location';
import { CallFallback, Degradation, type DegradationSwitch } from './degradation';
import type { DegradeProps, FallbackProps } from './props/degradation';
import { mountProblems, resolveMounts, resolveSecurityContext, resolveVolumes } from './pod-volumes';

export type { ServiceProps } from './props/service';

/** What a service needs from the construct that holds it (a Team). */
export interface NamespaceScope extends Construct {
  readonly namespace: string;
  readonly teamName: string;
  /** The mesh's cluster DNS domain. */
  readonly clusterDomain: string;
}

/**
 * A workload with one or more versions behind one Kubernetes Service: its ports, versions,
 * configuration, scaling, dependencies, resilience, security and observability.
 *
 * Created with `team.service(name, props)`.
 */
export class Service extends WeftConstruct implements DestinationLike, CallTarget {
  readonly namespace: string;
  private readonly props?: ParsedServiceProps;
  private readonly extraCalls: Array<{ target: CallTarget; location: Call['location'] }> = [];

  constructor(scope: NamespaceScope, name: string, props: ServiceProps) {
    super(scope, name, '', 'dns-1035-label', 'service');
    this.namespace = scope.namespace;
    this.props = this.parseProps(servicePropsSchema, props, 'service');
    if (this.props) this.checkMounts(this.props);
  }

  /** WEFT040/WEFT041: mounts of undeclared volumes, two mounts at one path (pod-volumes.ts). */
  private checkMounts(p: ParsedServiceProps): void {
    // The config files' mount exists only when there are files (the Kubernetes target mounts nothing for values alone).
    const configMountPath = p.config && Object.keys(p.config).length > 0 ? (p.configMountPath ?? `/etc/${this.name}`) : undefined;
    for (const problem of mountProblems(p, configMountPath))
      this.reportOrThrow({ code: problem.code, severity: 'error', message: `service "${this.name}": ${problem.message}`, path: this.constructPath, location: this.location, hint: problem.hint, field: problem.field });
  }

  get name(): string {
    return this.declaredName;
  }

  get ref(): ServiceRef {
    return { namespace: this.namespace, name: this.name };
  }

  /** The in-mesh host name, `<name>.<namespace>.svc.<cluster domain>`. */
  get host(): string {
    return serviceFqdn(this.ref, (this.node.scope as NamespaceScope).clusterDomain);
  }

  /** A version of this service, to route to: `svc.version('v2')` or `svc.version('v2').weight(80)`. */
  version(name: string): VersionRef {
    return new VersionRef(this.ref, name);
  }

  /**
   * A narrowed `calls` entry: the caller may make only these requests to this service
   * (`productpage` may only GET `reviews`: `calls: [reviews.only({ methods: ['GET'] })]`). Under
   * deny-by-default the caller's grant is then an allow rule with these methods, paths and ports
   * instead of "any request"; the other targets say where they cannot enforce it.
   * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Operation
   */
  only(requests: AuthzOperationProps): NarrowedCall {
    return new NarrowedCall(this, this.parseProps(authzOperationPropsSchema, requests, 'narrowed call to service'));
  }

  /** All versions of this service with a traffic share in percent. */
  weight(percent: number): WeightedDestination {
    return new WeightedDestination({ service: this.ref, weight: percent });
  }

  /** Declares a route for requests to this service. Routes are matched in declaration order. */
  route(name: string, props: RouteProps): Route {
    return new Route(this, name, props, { kind: 'service', service: this.ref }, () => [this.host]);
  }

  /** Allows requests from the given sources to the given operations. */
  allow(name: string, props: AuthorizationProps): AuthorizationRule {
    return new AuthorizationRule(this, name, props, 'allow');
  }

  /** Denies requests from the given sources to the given operations; deny rules win over allow rules. */
  deny(name: string, props: AuthorizationProps): AuthorizationRule {
    return new AuthorizationRule(this, name, props, 'deny');
  }

  /** Validates JWTs from an issuer on requests to this service. */
  requireJwt(name: string, props: JwtProps): JwtRule {
    return new JwtRule(this, name, props);
  }

  /** Declares a service-level objective. */
  slo(name: string, props: SloProps): Slo {
    return new Slo(this, name, props);
  }

  /**
   * While `sw` is on, this service's calls to `props.calls` are answered by `props.response` (or
   * sent `props.to` another service or version) and never reach them. docs/degradation.md.
   */
  degrade(sw: DegradationSwitch, props: DegradeProps): Degradation {
    return new Degradation(this, sw, props);
  }

  /**
   * A fallback for this service's calls to `callee` only: when one fails for a reason in `on`,
   * this caller gets the preset `response` (or is sent `to` another service). It wins over the
   * callee's route and service fallbacks for this caller. docs/degradation.md.
   */
  fallbackFor(callee: Service, props: FallbackProps): CallFallback {
    return new CallFallback(this, callee.ref, props);
  }

  /** Adds dependencies after creation (for services declared later in the file). */
  addCalls(...targets: CallTarget[]): this {
    const location = captureLocation();
    for (const target of targets) {
      if (!isCallTarget(target)) throw new TypeError(`service "${this.name}": addCalls takes services or external services`);
      this.extraCalls.push({ target, location });
    }
    return this;
  }

  [DESTINATION](): DestinationSpec {
    return { service: this.ref };
  }

  [CALL_TARGET](): Call['target'] {
    return { kind: 'service', service: this.ref };
  }

  /** @internal The model node, or undefined when the props were invalid (already reported). */
  _toModel(teamName: string): ServiceModel | undefined {
    const p = this.props;
    if (!p) return undefined;
    const ports = toPorts(p);
    const firstTarget = ports[0]!.targetPort;
    const children = this.node.children;
    const of = <T,>(cls: abstract new (...a: never[]) => T) => children.filter((c): c is Extract<typeof c, T> => c instanceof cls) as T[];
    const defined = <T,>(xs: (T | undefined)[]) => xs.filter((x): x is T => x !== undefined);
    return {
      path: this.constructPath,
      location: this.location,
      name: this.name,
      namespace: this.namespace,
      team: teamName,
      ports,
      versions: Object.entries(p.versions).map(([name, v]) => ({
        path: `${this.constructPath}/version:${name}`,
        location: this.location,
        name,
        image: v.image,
        replicas: v.replicas,
        env: v.env,
        resources: v.resources,
        labels: v.labels,
        securityContext: resolveSecurityContext(p, v),
        volumes: resolveVolumes(p, v),
        mounts: resolveMounts(p, v),
      })),
      probes: {
        readiness: p.probes?.readiness && toProbe(p.probes.readiness, firstTarget),
        liveness: p.probes?.liveness && toProbe(p.probes.liveness, firstTarget),
        startup: p.probes?.startup && toProbe(p.probes.startup, firstTarget),
      },
      config:
        p.config || p.configValues
          ? {
              name: `${this.name}-config`,
              files: { ...p.config },
              values: p.configValues ?? {},
              mountPath: p.configMountPath ?? `/etc/${this.name}`,
            }
          : undefined,
      autoscaling: p.autoscaling && {
        ...p.autoscaling,
        targetCpuPercent: p.autoscaling.targetCpuPercent ?? (p.autoscaling.targetMemoryPercent ? undefined : 80),
      },
      disruptionBudget: p.disruptionBudget,
      calls: [
        ...p.calls.map((t) => compactCall({ path: this.constructPath, location: this.location, target: t[CALL_TARGET](), only: narrowingOf(t) })),
        ...this.extraCalls.map((c) => ({ path: this.constructPath, location: c.location, target: c.target[CALL_TARGET]() })),
      ],
      serviceAccount: p.serviceAccount ?? this.name,
      resilience: p.resilience ?? {},
      security: {
        mtls: p.security?.mtls,
        authorization: defined(of(AuthorizationRule).map((r) => r._toModel())),
        jwt: defined(of(JwtRule).map((r) => r._toModel())),
      },
      observability: {
        metrics: p.observability?.metrics,
        accessLogs: p.observability?.accessLogs,
        tracingSamplingPercent: p.observability?.tracingSamplingPercent,
        slos: defined(of(Slo).map((s) => s._toModel())),
      },
      routes: defined(of(Route).map((r) => r._toModel())),
      degrade: defined(of(Degradation).map((d) => d._toModel())),
      callFallbacks: defined(of(CallFallback).map((f) => f._toModel())),
    };
  }
}

function toPorts(p: ParsedServiceProps): Port[] {
  if (p.port !== undefined) {
    const protocol = p.protocol ?? 'http';
    return [{ name: protocol, port: p.port, targetPort: p.port, protocol }];
  }
  const several = p.ports!.length > 1;
  return p.ports!.map((port) => ({
    name: port.name ?? (several ? `${port.protocol}-${port.port}` : port.protocol),
    port: port.port,
    targetPort: port.targetPort ?? port.port,
    protocol: port.protocol,
  }));
}

function toProbe(p: NonNullable<NonNullable<ParsedServiceProps['probes']>['readiness']>, defaultPort: number): Probe {
  return {
    httpPath: p.path,
    port: p.port ?? defaultPort,
    initialDelayMs: p.initialDelay,
    periodMs: p.period,
    timeoutMs: p.timeout,
    failureThreshold: p.failureThreshold,
  };
}

/** A call without `only` has no `only` key, so that unnarrowed models stay as they were. */
function compactCall(c: Call): Call {
  return c.only === undefined ? { path: c.path, location: c.location, target: c.target } : c;
}
