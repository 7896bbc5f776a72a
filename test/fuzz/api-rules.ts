import { parse } from 'yaml';

/**
 * The Kubernetes API server's own rules on what it stores, checked on every object the fuzzer
 * sees accepted: names, label keys and values, container and service ports, port names and
 * quantities. The CRD schemas (checked by synth's schema check) do not cover these.
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/names/
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set
 * @see https://github.com/kubernetes/apimachinery/blob/master/pkg/api/resource/quantity.go
 */
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
const IANA_SVC = /^(?=.*[a-z])[a-z0-9]([a-z0-9]|-(?!-))*$/;
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?\d+))?$/;

export function apiServerProblems(yamlText: string, path: string): string[] {
  const problems: string[] = [];
  let doc: any;
  try {
    doc = parse(yamlText, { version: '1.1' });
  } catch (e) {
    return [`${path}: not YAML: ${(e as Error).message}`];
  }
  if (!doc || typeof doc !== 'object' || !doc.kind) return [];
  const bad = (what: string) => problems.push(`${path}: ${what}`);
  const name = doc.metadata?.name;
  if (typeof name !== 'string' || name.length > 253 || !SUBDOMAIN.test(name)) bad(`metadata.name ${JSON.stringify(name)}`);
  if (doc.kind === 'Service' || doc.kind === 'Namespace') if (typeof name !== 'string' || name.length > 63 || !LABEL.test(name)) bad(`${doc.kind} name ${JSON.stringify(name)}`);
  const ns = doc.metadata?.namespace;
  if (ns !== undefined && (typeof ns !== 'string' || ns.length > 63 || !LABEL.test(ns))) bad(`namespace ${JSON.stringify(ns)}`);
  const labelSets: Array<Record<string, unknown>> = [doc.metadata?.labels, doc.spec?.template?.metadata?.labels, doc.spec?.selector?.matchLabels, doc.kind === 'Service' ? doc.spec?.selector : undefined].filter(Boolean);
  for (const labels of labelSets) for (const [k, v] of Object.entries(labels)) {
    const slash = k.lastIndexOf('/');
    const prefix = slash >= 0 ? k.slice(0, slash) : undefined;
    const key = slash >= 0 ? k.slice(slash + 1) : k;
    if (prefix !== undefined && (prefix.length > 253 || !SUBDOMAIN.test(prefix))) bad(`label key prefix ${JSON.stringify(k)}`);
    if (key.length === 0 || key.length > 63 || !LABEL_NAME.test(key)) bad(`label key ${JSON.stringify(k)}`);
    if (typeof v !== 'string' || v.length > 63 || (v !== '' && !LABEL_NAME.test(v))) bad(`label value ${JSON.stringify(v)} of ${k}`);
  }
  const ports = (list: any[] | undefined, where: string) => {
    const names = new Set<string>();
    for (const port of list ?? []) {
      for (const key of ['port', 'containerPort', 'targetPort']) {
        const n = port[key];
        if (n !== undefined && typeof n === 'number' && !(Number.isInteger(n) && n >= 1 && n <= 65535)) bad(`${where} ${key} ${n}`);
      }
      if (port.name !== undefined) {
        if (typeof port.name !== 'string' || port.name.length > 15 || !IANA_SVC.test(port.name)) bad(`${where} port name ${JSON.stringify(port.name)}`);
        if (names.has(port.name)) bad(`${where} duplicate port name ${port.name}`);
        names.add(port.name);
      }
    }
  };
  if (doc.kind === 'Service') ports(doc.spec?.ports, 'Service');
  for (const c of [...(doc.spec?.template?.spec?.containers ?? []), ...(doc.spec?.template?.spec?.initContainers ?? [])]) {
    ports(c.ports, `container ${c.name}`);
    for (const group of ['requests', 'limits']) for (const [k, q] of Object.entries(c.resources?.[group] ?? {})) {
      if (typeof q !== 'string' || !QUANTITY.test(q) || q.startsWith('-')) bad(`quantity ${k}=${JSON.stringify(q)}`);
    }
    for (const e of c.env ?? []) if (!/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(e.name)) bad(`env name ${JSON.stringify(e.name)}`);
    for (const m of c.volumeMounts ?? []) if (typeof m.mountPath !== 'string' || !m.mountPath.startsWith('/')) bad(`mountPath ${JSON.stringify(m.mountPath)}`);
    for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe]) if (probe?.httpGet && !String(probe.httpGet.path ?? '/').startsWith('/')) bad(`probe path ${JSON.stringify(probe.httpGet.path)}`);
    if (typeof c.image !== 'string' || c.image.length === 0 || /\s/.test(c.image)) bad(`image ${JSON.stringify(c.image)}`);
  }
  return problems;
}
