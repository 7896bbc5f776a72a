import type { SecurityContext, Service, Version } from '../../model/service';
import type { EmitContext } from '../target';

/** Weft's hardened defaults, for a version the model gives no security context (hand-built models). */
const DEFAULTS: SecurityContext = { runAsNonRoot: true, readOnlyRootFilesystem: true };

/**
 * The application container's `securityContext` and the pod's, from the version's resolved
 * security context (Weft's defaults, the service's and the version's overrides).
 *
 * Always written: no privilege escalation, not privileged. `runAsNonRoot` and
 * `readOnlyRootFilesystem` as resolved; `runAsUser`/`runAsGroup` on the application container
 * only, so that sidecars keep the user their mesh chose; `fsGroup` on the pod (Kubernetes has
 * it nowhere else). The pod keeps `runAsNonRoot: true` for the containers that say nothing
 * (a container's own setting wins over the pod's).
 *
 * `runAsNonRoot` with `runAsUser: 0` can never start: the kubelet refuses the container
 * (CreateContainerConfigError), so it is reported (WEFT691).
 * @see https://kubernetes.io/docs/tasks/configure-pod-container/security-context/
 * @see https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#security-context-1
 */
export function securityContexts(ctx: EmitContext, service: Service, version: Version): { container: Record<string, unknown>; pod: Record<string, unknown> } {
  const sc: SecurityContext = version.securityContext ?? DEFAULTS;
  if (sc.runAsNonRoot && sc.runAsUser === 0) {
    ctx.report(
      'WEFT691',
      version,
      `version "${version.name}" of service "${service.name}" runs as user 0 (root) with runAsNonRoot; the kubelet refuses to start such a container`,
      'set `runAsNonRoot: false` to run as root on purpose, or choose a non-zero `runAsUser`',
    );
  }
  return {
    container: {
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: sc.readOnlyRootFilesystem,
      ...(sc.runAsGroup !== undefined ? { runAsGroup: sc.runAsGroup } : {}),
      runAsNonRoot: sc.runAsNonRoot,
      ...(sc.runAsUser !== undefined ? { runAsUser: sc.runAsUser } : {}),
    },
    pod: {
      ...(sc.fsGroup !== undefined ? { fsGroup: sc.fsGroup } : {}),
      fsGroupChangePolicy: 'Always',
      runAsNonRoot: true,
    },
  };
}
