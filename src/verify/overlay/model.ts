/**
 * The verification overlay's model: the same mesh with the echo workload in place of every
 * application, plus one probe client per calling service, reachable through a gateway of its
 * own. Synth emits it with the environment's own targets into `dist/verify/<env>/` (so every
 * route, policy and sidecar is exactly what the environment declares), and
 * `weft verify --target URL` drives it (docs/verify.md, "Cluster mode").
 *
 * - Every version keeps its name, replicas and labels; its image becomes the echo image, told
 *   by environment variables who it is (WEFT_ECHO_SERVICE/VERSION; the pod name is the
 *   instance, HOSTNAME) and where to listen (PORT = the service's HTTP target port).
 * - A probe client `<caller>-weft-probe` runs as the caller's service account (its identity,
 *   what authorization rules and mTLS see) and declares the caller's calls, so that its sidecar
 *   routes them as the caller's does. It is an echo: `POST …/__weft/forward` sends probes
 *   through that sidecar.
 * - The gateway `weft-verify` (host `weft-verify.local`, port 80) routes the prefix
 *   `/weft-probe/<namespace>/<caller>/` to each probe client; the echo serves the forward
 *   endpoint under any prefix, so no rewrite is needed.
 * - JWT rules trust the overlay's verification key (./verification-key.ts) instead of the
 *   declared JWKS, so the verifier can sign valid and invalid tokens.
 * - Proxies report Envoy's response flags in `x-weft-response-flags` (`verification`: the Istio
 *   target emits an EnvoyFilter for it), as the weft proxy does.
 * - Every echo carries the overlay's tag (WEFT_ECHO_TAG, a hash of the model): the verifier
 *   waits until the probe clients and callees answer with the tag that mesh.config.ts gives,
 *   which is how it knows the cluster serves this overlay and not a stale one.
 */
import type { MeshModel } from '../../model/mesh';
import type { Service } from '../../model/service';
import type { Route } from '../../model/traffic';
import { VERIFICATION_JWKS } from './verification-key';
import { jsonSha256 } from './json-digest';

/** The echo image, tagged like the proxy image (one Weft release): src/echo/Dockerfile. */
export function echoImage(weftVersion: string): string {
  return `ghcr.io/weft-mesh/weft-echo:${weftVersion}`;
}

/** The header the weft proxy reports its response flags in; the Istio overlay makes Envoy report them there too. */
export const RESPONSE_FLAGS_HEADER = 'x-weft-response-flags';

export const VERIFY_GATEWAY = 'weft-verify';
export const VERIFY_HOST = 'weft-verify.local';
export const PROBE_SUFFIX = '-weft-probe';

/** The path prefix the overlay's gateway routes to `caller`'s probe client. */
export function probePrefix(caller: { namespace: string; name: string }): string {
  return `/weft-probe/${caller.namespace}/${caller.name}/`;
}

/** Services that call another service (over HTTP, gRPC or TCP: the forward endpoint's three modes): each gets a probe client. */
export function callingServices(model: MeshModel): Service[] {
  const http = (s: Service) => s.ports.some((p) => p.protocol === 'http' || p.protocol === 'http2' || p.protocol === 'grpc' || p.protocol === 'tcp');
  const byRef = new Map(model.services.map((s) => [`${s.namespace}/${s.name}`, s]));
  return model.services.filter((s) => s.calls.some((c) => c.target.kind === 'service' && http(byRef.get(`${c.target.service.namespace}/${c.target.service.name}`) ?? s)));
}

/**
 * The overlay's tag: a hash of what the overlay runs (the model without source locations, and
 * the environment), the same in synth and in the verifier for the same mesh.config.ts.
 */
export function overlayTag(model: MeshModel, environment: string): string {
  // The hash of that JSON text, computed piece by piece: the whole text of a 10,000-service
  // model is tens of megabytes, which would be held at once while the model is (json-digest.ts).
  return jsonSha256({ environment, model }, (key, value) => (key === 'location' ? undefined : value)).slice(0, 16);
}

export function verificationModel(model: MeshModel, environment: string, weftVersion: string): MeshModel {
  const tag = overlayTag(model, environment);
  const image = echoImage(weftVersion);
  const echoed = (service: Service, name = service.name): Service => {
    const http = service.ports.find((p) => p.protocol === 'http' || p.protocol === 'http2') ?? service.ports[0]!;
    const grpc = service.ports.find((p) => p.protocol === 'grpc');
    return {
      ...service,
      versions: service.versions.map((v) => ({
        ...v,
        image,
        // A gRPC-only service's one port is both: the echo relays h2c on it to an internal gRPC echo (port 0).
        env: { ...v.env, WEFT_ECHO_SERVICE: name, WEFT_ECHO_VERSION: v.name, WEFT_ECHO_TAG: tag, PORT: String(http.targetPort), ...(grpc ? { WEFT_ECHO_GRPC_PORT: grpc === http ? '0' : String(grpc.targetPort) } : {}) },
      })),
      config: undefined,
      security: { ...service.security, jwt: service.security.jwt.map((j) => ({ ...j, jwksUri: undefined, jwks: VERIFICATION_JWKS })) },
    };
  };
  const callers = callingServices(model);
  const probes: Service[] = callers.map((caller) => {
    const name = `${caller.name}${PROBE_SUFFIX}`;
    const version = caller.versions[0]!;
    return echoed({
      ...caller,
      name,
      path: `${caller.path}${PROBE_SUFFIX}`,
      ports: [{ name: 'http', port: 8080, targetPort: 8080, protocol: 'http' }],
      versions: [{ ...version, name: 'probe', replicas: 1, env: {}, labels: {} }],
      probes: {},
      autoscaling: undefined,
      disruptionBudget: undefined,
      resilience: {},
      security: { authorization: [], jwt: [] },
      observability: { slos: [] },
      routes: [],
      degrade: undefined,
    });
  });
  const at = probes[0];
  const gateways = at
    ? [
        ...model.gateways,
        {
          name: VERIFY_GATEWAY,
          namespace: at.namespace,
          path: `${model.name}/gateway:${VERIFY_GATEWAY}`,
          location: at.location,
          hosts: [VERIFY_HOST],
          port: 80,
          selector: {},
          routes: probes.map(
            (p): Route => ({
              name: `probe-${p.namespace}-${p.name}`,
              path: `${model.name}/gateway:${VERIFY_GATEWAY}/route:probe-${p.namespace}-${p.name}`,
              location: p.location,
              owner: { kind: 'gateway', gateway: VERIFY_GATEWAY },
              hosts: [VERIFY_HOST],
              match: [{ path: { prefix: probePrefix({ namespace: p.namespace, name: p.name.slice(0, -PROBE_SUFFIX.length) }) } }],
              action: { kind: 'forward', destinations: [{ service: { namespace: p.namespace, name: p.name }, weight: 100 }] },
            }),
          ),
        },
      ]
    : model.gateways;
  return { ...model, services: [...model.services.map((s) => echoed(s)), ...probes], gateways, verification: { responseFlagsHeader: RESPONSE_FLAGS_HEADER } };
}
