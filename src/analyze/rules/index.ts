import type { Rule } from '../rule';
import { unknownService } from './unknown-service';
import { unknownExternalService } from './unknown-external-service';
import { unknownVersion } from './unknown-version';
import { unknownPort } from './unknown-port';
import { unknownOwner } from './unknown-owner';
import { duplicateNames } from './duplicate-names';
import { workloadNames } from './workload-names';
import { routeWeights } from './route-weights';
import { routeOrder } from './route-order';
import { routeHostConflicts } from './route-host-conflicts';
import { routeCatchAll } from './route-catch-all';
import { gatewayConflicts } from './gateway-conflicts';
import { retryBudget } from './retry-budget';
import { faultOverrides } from './fault-overrides';
import { circuitBreaker } from './circuit-breaker';
import { retryOn } from './retry-on';
import { sloTimeout } from './slo-timeout';
import { jwtClaims } from './jwt-claims';
import { authzNamespaces } from './authz-namespaces';
import { authzMtls } from './authz-mtls';
import { allowWithoutCall } from './allow-without-call';
import { narrowedCalls } from './narrowed-calls';
import { corsPreflight } from './cors-preflight';
import { delegatedRouteAuthz } from './delegated-route-authz';
import { callCycles } from './call-cycles';
import { portNames } from './port-names';
import { gatewayHosts } from './gateway-hosts';
import { imageTags } from './image-tags';
import { disruptionBudget } from './disruption-budget';
import { staticExternal } from './static-external';
import { consulServiceNames } from './consul-service-names';
import { consulTcpRoutes } from './consul-tcp-routes';
import { consulProtocolMismatch } from './consul-protocol-mismatch';
import { consulEmptySubsets } from './consul-empty-subsets';
import { degradation } from './degradation';
import { defaultsScope } from './defaults-scope';

/**
 * Every analyzer rule, in the order they run. One rule per file in this folder. Order only
 * matters for readability: `analyze()` sorts diagnostics by location.
 */
export const RULES: readonly Rule[] = [
  // WEFT1xx references and routes
  unknownService,
  unknownExternalService,
  unknownVersion,
  unknownPort,
  unknownOwner,
  duplicateNames,
  workloadNames,
  routeWeights,
  routeOrder,
  routeHostConflicts,
  routeCatchAll,
  corsPreflight,
  gatewayConflicts,
  defaultsScope,
  // WEFT2xx resilience
  retryBudget,
  faultOverrides,
  circuitBreaker,
  retryOn,
  sloTimeout,
  // WEFT3xx security
  jwtClaims,
  authzNamespaces,
  authzMtls,
  allowWithoutCall,
  narrowedCalls,
  delegatedRouteAuthz,
  // WEFT4xx topology
  callCycles,
  portNames,
  gatewayHosts,
  // WEFT5xx hygiene
  imageTags,
  disruptionBudget,
  staticExternal,
  // WEFT72x Consul (they check only when an environment's mesh is consul)
  consulServiceNames,
  consulTcpRoutes,
  consulProtocolMismatch,
  consulEmptySubsets,
  // WEFT840–859 degradation
  degradation,
];
