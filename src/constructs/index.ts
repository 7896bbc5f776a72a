export { Mesh, type MeshProps } from './mesh';
export { Team, type TeamProps } from './team';
export { Service, type ServiceProps } from './service';
export { Route, type RouteProps } from './route';
export { Gateway, type GatewayProps } from './gateway';
export { ExternalService, type ExternalServiceProps } from './external-service';
export { AuthorizationRule, JwtRule, Slo, type AuthorizationProps, type JwtProps, type SloProps } from './policies';
export { VersionRef, WeightedDestination } from './refs';
