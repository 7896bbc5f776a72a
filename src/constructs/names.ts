/**
 * The names Kubernetes accepts, checked before a name reaches an object or a file path under
 * dist/. Every Weft name ends up in object names, label values and paths, so every construct
 * name is an RFC 1123 label; a Service name is an RFC 1035 label (it must start with a letter).
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/names/
 */
export type NameRule = 'dns-label' | 'dns-1035-label';

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** What is wrong with `name` under `rule`, or undefined when it is valid. */
export function nameProblem(name: unknown, rule: NameRule): string | undefined {
  if (typeof name !== 'string') return `a name must be a string, not ${name === null ? 'null' : typeof name}`;
  if (name.length === 0) return 'a name must not be empty';
  if (name.length > 63) return `is ${name.length} characters long; names are at most 63 characters (RFC 1123 label)`;
  if (rule === 'dns-1035-label' && !LABEL_1035.test(name))
    return 'must be a lowercase RFC 1035 label: a-z, 0-9 and "-", starting with a letter and ending with a letter or digit';
  if (!LABEL.test(name)) return 'must be a lowercase RFC 1123 label: a-z, 0-9 and "-", starting and ending with a letter or digit';
  return undefined;
}

/** A name as it may appear in a message: printable, bounded. */
export function printableName(name: unknown): string {
  const text = typeof name === 'string' ? name : typeof name === 'symbol' ? name.toString() : String(name);
  const printable = JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
  return printable;
}
