import { z } from 'zod';

/**
 * Values that end up in a Pod spec, checked as the Kubernetes API server checks them, so that
 * a mistake is a diagnostic at its line in mesh.config.ts instead of a rejected apply.
 */

/**
 * A Service port name: an IANA service name — at most 15 characters of a-z, 0-9 and "-", with
 * a letter, no leading, trailing or double "-".
 * @see https://www.rfc-editor.org/rfc/rfc6335#section-5.1
 */
export const portNameSchema = z
  .string()
  .max(15, 'port names are at most 15 characters (IANA service name)')
  .regex(/^(?=.*[a-z])[a-z0-9]+(-[a-z0-9]+)*$/, 'must be an IANA service name: a-z, 0-9 and single "-" between them, with at least one letter');

/** An absolute path (probe path, mount path), without whitespace or control characters. */
export const absolutePathSchema = z.string().regex(/^\/[^\s\u0000-\u001f\u007f]*$/, 'must be an absolute path starting with "/", without spaces or control characters');

/**
 * An environment variable name. Kubernetes accepts any printable name without "="; a name a
 * shell can use is what applications read, so Weft asks for that.
 * @see https://kubernetes.io/docs/tasks/inject-data-application/define-environment-variable-container/
 */
export const envVarNameSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, 'must be an environment variable name: letters, digits, "_", "." and "-", not starting with a digit');

/**
 * A container image reference: `[registry[:port]/]path[:tag][@digest]`, lowercase path.
 * @see https://github.com/distribution/reference/blob/main/reference.go
 */
export const imageRefSchema = z
  .string()
  .min(1, 'name an image')
  .regex(
    /^(?:[a-zA-Z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,})?$/,
    'must be an image reference such as "registry.example.com/team/app:1.2" or "app@sha256:<64 hex digits>" (lowercase repository, tag of letters, digits, ".", "_", "-")',
  );

/**
 * Why `value` cannot be written as JSON without losing or changing something, or undefined.
 * JSON.stringify throws on BigInt and cycles, and silently drops functions, symbols and
 * undefined; Weft refuses all of them.
 */
export function jsonValueProblem(value: unknown, path = '', seen = new Set<object>()): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `${path || 'the value'} is ${value}, which JSON cannot represent`;
    case 'bigint':
      return `${path || 'the value'} is a BigInt, which JSON cannot represent; write it as a string or a number`;
    case 'undefined':
    case 'function':
    case 'symbol':
      return `${path || 'the value'} is ${typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`}, which JSON would drop; remove it`;
    default: {
      if (value === null) return undefined;
      const obj = value as object;
      if (seen.has(obj)) return `${path || 'the value'} refers to itself (a cycle), which JSON cannot represent`;
      seen.add(obj);
      const proto = Object.getPrototypeOf(obj);
      if (!Array.isArray(obj) && proto !== Object.prototype && proto !== null) return `${path || 'the value'} is a ${proto?.constructor?.name ?? 'class'} instance; only plain objects, arrays, strings, numbers, booleans and null are written`;
      for (const [k, v] of Object.entries(obj)) {
        const problem = jsonValueProblem(v, path ? `${path}.${k}` : k, seen);
        if (problem) return problem;
      }
      seen.delete(obj);
      return undefined;
    }
  }
}

/**
 * The name of an object a volume refers to (a Secret, a ConfigMap, a PersistentVolumeClaim):
 * a DNS-1123 subdomain, at most 253 characters.
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#dns-subdomain-names
 */
export const dnsSubdomainSchema = z
  .string()
  .max(253, 'object names are at most 253 characters')
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'must be a lowercase DNS-1123 subdomain (a-z, 0-9, "-" and ".")');

/**
 * A path inside a volume (`items` paths, `subPath`): relative, without a `..` element, as the
 * API server requires.
 * @see https://kubernetes.io/docs/reference/kubernetes-api/config-and-storage-resources/volume/#projections
 */
export const relativePathSchema = z
  .string()
  .min(1)
  .regex(/^(?!\/)[^\u0000-\u001f\u007f]*$/, 'must be a relative path (not starting with "/"), without control characters')
  .refine((p) => !p.split('/').includes('..'), 'must not contain a ".." element');

/** A Linux user or group id. */
const idSchema = z.number().int().min(0).max(2147483647);

/**
 * Overrides of the application container's security context. Weft's defaults are hardened
 * (`runAsNonRoot`, `readOnlyRootFilesystem`, no privilege escalation, not privileged); an
 * image that runs as root or writes outside its volumes needs some of these.
 * @see https://kubernetes.io/docs/tasks/configure-pod-container/security-context/
 */
export const securityContextPropsSchema = z
  .object({
    /** The user id the container runs as (`securityContext.runAsUser`). @default the image's USER */
    runAsUser: idSchema.optional(),
    /** The primary group id (`securityContext.runAsGroup`). @default the image's */
    runAsGroup: idSchema.optional(),
    /** The group that owns mounted volumes, pod-wide (`podSecurityContext.fsGroup`). @default none */
    fsGroup: idSchema.optional(),
    /** The kubelet refuses to start a container whose user is root (uid 0). @default true */
    runAsNonRoot: z.boolean().optional(),
    /** The container's root filesystem is read-only; `false` makes it writable. @default true */
    readOnlyRootFilesystem: z.boolean().optional(),
  })
  .strict();
export type SecurityContextProps = z.input<typeof securityContextPropsSchema>;

const modeSchema = z.number().int().min(0).max(0o777);
const itemsSchema = z.record(z.string().min(1), relativePathSchema);

/**
 * A pod volume: exactly one of `emptyDir`, `secret`, `configMap`, `persistentVolumeClaim`,
 * with Kubernetes's field names.
 * @see https://kubernetes.io/docs/concepts/storage/volumes/
 */
export const volumePropsSchema = z.union([
  z
    .object({
      /** Scratch space that lives as long as the pod. Required in this form. @see https://kubernetes.io/docs/concepts/storage/volumes/#emptydir */
      emptyDir: z
        .object({
          /** `'Memory'` for a tmpfs; the node's disk when absent. @default the node's disk */
          medium: z.literal('Memory').optional(),
          /** The most it may hold, a Kubernetes quantity. @default no limit */
          sizeLimit: z.string().regex(/^\+?(\d+(\.\d*)?|\.\d+)(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?\d+))?$/, 'must be a Kubernetes quantity such as "64Mi"').optional(),
        })
        .strict(),
    })
    .strict(),
  z
    .object({
      /** A Secret's keys as files. Required in this form. @see https://kubernetes.io/docs/concepts/storage/volumes/#secret */
      secret: z
        .object({
          /** The Secret, in the service's namespace. Required. */
          secretName: dnsSubdomainSchema,
          /** Key → file path; every key under its own name when absent. @default every key */
          items: itemsSchema.optional(),
          /** Start the pod even when the Secret does not exist. @default false */
          optional: z.boolean().optional(),
          /** File mode, e.g. `0o400`. @default 0o644 (Kubernetes's) */
          defaultMode: modeSchema.optional(),
        })
        .strict(),
    })
    .strict(),
  z
    .object({
      /** A ConfigMap's keys as files (another than the service's own `config`). Required in this form. @see https://kubernetes.io/docs/concepts/storage/volumes/#configmap */
      configMap: z
        .object({
          /** The ConfigMap, in the service's namespace. Required. */
          name: dnsSubdomainSchema,
          /** Key → file path. @default every key */
          items: itemsSchema.optional(),
          /** Start the pod even when the ConfigMap does not exist. @default false */
          optional: z.boolean().optional(),
          /** File mode. @default 0o644 */
          defaultMode: modeSchema.optional(),
        })
        .strict(),
    })
    .strict(),
  z
    .object({
      /** A PersistentVolumeClaim, for data that outlives the pod. Required in this form. @see https://kubernetes.io/docs/concepts/storage/persistent-volumes/#claims-as-volumes */
      persistentVolumeClaim: z
        .object({
          /** The claim, in the service's namespace. Required. */
          claimName: dnsSubdomainSchema,
          /** Mount the claim read-only. @default false */
          readOnly: z.boolean().optional(),
        })
        .strict(),
    })
    .strict(),
]);
export type VolumeProps = z.input<typeof volumePropsSchema>;

/** A mount of a declared volume into the application container. @see https://kubernetes.io/docs/concepts/storage/volumes/#using-subpath */
export const mountPropsSchema = z
  .object({
    /** The name of a volume declared in `volumes` (the service's or the version's). Required. */
    volume: z.string(),
    /** Where it appears in the container, an absolute path. Required. */
    mountPath: absolutePathSchema,
    /** Mount read-only. @default false */
    readOnly: z.boolean().default(false),
    /** A path inside the volume to mount instead of its root. @default the volume's root */
    subPath: relativePathSchema.optional(),
  })
  .strict();
export type MountProps = z.input<typeof mountPropsSchema>;
