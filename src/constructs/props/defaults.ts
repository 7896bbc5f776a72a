/**
 * Every default of the resilience, route and workload security props, written once. The zod schemas take their
 * defaults from here, the props' JSDoc states the same values, and test/constructs/defaults.test.ts
 * checks that the schemas apply them and that docs/constructs.md states each of them, so the
 * three cannot drift apart. Durations are duration strings, as a user writes them.
 */
export const DEFAULTS = {
  retries: {
    /** Retries after the first try: Istio's default. @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRetry */
    attempts: 2,
    /** Envoy retry-on classes: Istio's default set. */
    on: ['5xx', 'gateway-error', 'reset', 'connect-failure'],
  },
  circuitBreaker: {
    /** Envoy's outlier-detection interval. */
    interval: '10s',
    /** Envoy's base ejection time. */
    baseEjection: '30s',
    /** Envoy's max_ejection_percent. */
    maxEjectionPercent: 10,
  },
  fault: {
    /** Share of requests a delay or abort applies to. */
    percent: 100,
  },
  redirect: {
    /** Moved Permanently, as Istio's HTTPRedirect defaults. */
    status: 301,
  },
  mirror: {
    /** Share of requests copied. */
    percent: 100,
  },
  fallback: {
    /** Status of a preset fallback answer: the caller sees an answer, not an error. */
    status: 200,
  },
  degradationSwitch: {
    /** A switch sheds nothing until it is turned on. */
    default: 'off',
  },
  ratioBreaker: {
    /** Requests in the window before the ratio is judged (resilience4j's minimumNumberOfCalls is 100; 20 suits sidecar volumes). */
    minRequests: 20,
    /** The sliding window (Hystrix's metrics.rollingStats.timeInMilliseconds). */
    window: '10s',
    /** Open interval before probing (Hystrix's circuitBreaker.sleepWindowInMilliseconds). */
    openFor: '5s',
    /** Probes let through half-open (Hystrix lets one through). */
    halfOpenProbes: 1,
  },
  securityContext: {
    /** The kubelet refuses to start the application container as root. @see https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted */
    runAsNonRoot: true,
    /** The application container's root filesystem is read-only; it writes to volumes (Weft mounts an emptyDir at /tmp). */
    readOnlyRootFilesystem: true,
  },
  rateLimit: {
    /** The refill interval. */
    per: '1s',
    /** Token bucket: reject what exceeds the rate. */
    mode: 'reject',
  },
} as const;
