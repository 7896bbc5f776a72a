/**
 * Workload identities of a weft mesh, issued by cert-manager: one mesh CA, and per service
 * account a certificate whose only URI SAN is its SPIFFE id
 * `spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>` (Istio's identity format, so
 * that principals in authorization rules mean the same on both targets). The proxy reads the
 * certificate Secret as mounted files (tls.crt, tls.key, ca.crt) and picks up renewals without
 * a restart.
 *
 * Objects (all validated with @kubernetes-models/cert-manager at synth):
 * - ClusterIssuer `weft-selfsigned` (selfSigned) — only signs the CA;
 * - Certificate `weft-mesh-ca` (isCA) in cert-manager's cluster resource namespace — the CA of
 *   every namespace, which is why the issuers are ClusterIssuers: a namespaced CA Issuer would give
 *   each namespace its own CA, and proxies in different namespaces could not verify each other;
 * - ClusterIssuer `weft-mesh-ca` (ca.secretName `weft-mesh-ca`);
 * - per service account, Certificate `<sa>-weft-identity`: ECDSA P-256, 24 h, renewed 8 h before
 *   expiry with a new key (rotationPolicy Always), usages server auth + client auth.
 * @see https://cert-manager.io/docs/configuration/ca/
 * @see https://cert-manager.io/docs/configuration/selfsigned/#bootstrapping-ca-issuers
 * @see https://cert-manager.io/docs/reference/api-docs/#cert-manager.io/v1.CertificateSpec
 */
import type { MeshModel } from '../../model/mesh';
import type { Service } from '../../model/service';
import { memoized } from '../../model/memo';
import { gatewayWorkload } from '../../model/gateway-workload';
import { principalOf } from '../naming';
import { SyncWave, syncWave } from '../sync-waves';
import type { Manifest } from '../target';

/** Outside /etc/weft: the ConfigMap volume there is read-only and cannot hold a nested mount point. */
export const CERT_DIR = '/etc/weft-identity';
export const CERT_FILES = { certFile: `${CERT_DIR}/tls.crt`, keyFile: `${CERT_DIR}/tls.key`, caFile: `${CERT_DIR}/ca.crt` } as const;
/** cert-manager's default `--cluster-resource-namespace`, where ClusterIssuers read their CA Secret. */
export const CERT_MANAGER_NAMESPACE = 'cert-manager';
const CA_NAME = 'weft-mesh-ca';
const SELF_SIGNED = 'weft-selfsigned';
const API = 'cert-manager.io/v1';

export function mtlsModeOf(model: Pick<MeshModel, 'security'>, service: Pick<Service, 'security'>): 'strict' | 'permissive' | 'disable' {
  return service.security.mtls ?? model.security.mtls;
}

/** Whether workloads carry identities: some service takes mTLS (every caller then needs a certificate). Once per model. */
export const meshUsesMtls: (model: MeshModel) => boolean = memoized('weft-mesh-uses-mtls', (model) => model.services.some((s) => mtlsModeOf(model, s) !== 'disable'));

export function identitySecretName(service: Pick<Service, 'serviceAccount'>): string {
  return `${service.serviceAccount}-weft-identity`;
}

export function spiffeIdOf(model: Pick<MeshModel, 'trustDomain'>, service: Pick<Service, 'namespace' | 'serviceAccount'>): string {
  return `spiffe://${principalOf(model, service)}`;
}

const labels = (model: MeshModel) => ({ 'app.kubernetes.io/managed-by': 'weft', 'weft.dev/mesh': model.name });

export function certManagerManifests(model: MeshModel): Manifest[] {
  if (!meshUsesMtls(model)) return [];
  const out: Manifest[] = [
    {
      apiVersion: API,
      kind: 'ClusterIssuer',
      metadata: { name: SELF_SIGNED, labels: labels(model), annotations: syncWave(SyncWave.namespace) },
      spec: { selfSigned: {} },
    },
    {
      apiVersion: API,
      kind: 'Certificate',
      metadata: { name: CA_NAME, namespace: CERT_MANAGER_NAMESPACE, labels: labels(model), annotations: syncWave(SyncWave.namespace) },
      spec: {
        isCA: true,
        commonName: `${model.name} weft mesh CA`,
        secretName: CA_NAME,
        duration: '8760h',
        renewBefore: '720h',
        privateKey: { algorithm: 'ECDSA', size: 256 },
        issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: SELF_SIGNED },
      },
    },
    {
      apiVersion: API,
      kind: 'ClusterIssuer',
      metadata: { name: CA_NAME, labels: labels(model), annotations: syncWave(SyncWave.namespace) },
      spec: { ca: { secretName: CA_NAME } },
    },
  ];
  const seen = new Set<string>();
  // Gateways call services with their own identity (gateway.ts): a certificate per gateway account too.
  const accounts: Array<Pick<Service, 'namespace' | 'serviceAccount'>> = [...model.services, ...model.gateways.map(gatewayWorkload)];
  for (const s of accounts) {
    const key = `${s.namespace}/${s.serviceAccount}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({
      apiVersion: API,
      kind: 'Certificate',
      metadata: { name: identitySecretName(s), namespace: s.namespace, labels: labels(model), annotations: syncWave(SyncWave.foundation) },
      spec: {
        secretName: identitySecretName(s),
        uris: [spiffeIdOf(model, s)],
        duration: '24h',
        renewBefore: '8h',
        privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
        usages: ['digital signature', 'key encipherment', 'server auth', 'client auth'],
        issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: CA_NAME },
      },
    });
  }
  return out;
}
