import type { Construct } from 'constructs';
import type { Route as RouteModel, RouteOwner } from '../model/traffic';
import { WeftConstruct } from './base';
import { routePropsSchema, type RouteProps, resolveDestinations, type ParsedRouteProps } from './props/route';
import { DESTINATION } from './refs';

export type { RouteProps } from './props/route';

/**
 * A named HTTP route: match conditions and what to do with matching requests. Routes of one
 * host are evaluated in declaration order; the first match wins.
 *
 * Created with `service.route(name, props)` or `gateway.route(name, props)`.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRoute
 */
export class Route extends WeftConstruct {
  private readonly props?: ParsedRouteProps;

  constructor(
    scope: Construct,
    name: string,
    props: RouteProps,
    private readonly owner: RouteOwner,
    private readonly defaultHosts: () => string[],
  ) {
    super(scope, name, 'route:', 'dns-label', 'route');
    this.props = this.parseProps(routePropsSchema, props, 'route');
  }

  get routeName(): string {
    return this.declaredName.replace(/^route:/, '');
  }

  /** @internal The model node, or undefined when the props were invalid (already reported). */
  _toModel(): RouteModel | undefined {
    const p = this.props;
    if (!p) return undefined;
    const action: RouteModel['action'] = p.to
      ? { kind: 'forward', destinations: resolveDestinations(p.to) }
      : p.redirect
        ? { kind: 'redirect', ...p.redirect }
        : { kind: 'direct-response', ...p.directResponse! };
    const mirrorSpec = p.mirror?.to[DESTINATION]();
    return {
      path: this.constructPath,
      location: this.location,
      name: this.routeName,
      owner: this.owner,
      hosts: p.hosts ?? this.defaultHosts(),
      match: p.match === undefined ? [] : Array.isArray(p.match) ? p.match : [p.match],
      action,
      rewrite: p.rewrite,
      headers: p.headers,
      cors: p.cors && {
        allowOrigins: p.cors.allowOrigins,
        allowMethods: p.cors.allowMethods,
        allowHeaders: p.cors.allowHeaders,
        exposeHeaders: p.cors.exposeHeaders,
        maxAgeMs: p.cors.maxAge,
        allowCredentials: p.cors.allowCredentials,
      },
      mirror: mirrorSpec && {
        destination: { service: mirrorSpec.service, version: mirrorSpec.version, port: mirrorSpec.port },
        percent: p.mirror!.percent,
      },
      timeoutMs: p.timeout,
      retries: p.retries,
      fault: p.fault,
      rateLimit: p.rateLimit,
      fallback: p.fallback,
    };
  }
}
