/**
 * Local mode of `weft proxy` (`--local`, `--listen`, `--endpoint`): try a workload's config from
 * `dist/` on a laptop. Every listener binds 127.0.0.1; `--listen name=[host:]port` moves a
 * listener (inbound, outbound, admin); `--endpoint service=host:port` sends every subset of a
 * service to one address (`inbound` names the application behind the inbound listener). The
 * overrides rewrite the config document before validation, at start and on every reload, so the
 * proxy validates and reports exactly what it runs (`/config_dump` shows the effective config).
 */

export interface LocalOverrides {
  readonly listen: ReadonlyMap<string, { host: string; port: number }>;
  readonly endpoints: ReadonlyMap<string, { address: string; port: number }>;
}

const LISTENERS = new Set(['inbound', 'outbound', 'admin']);

function hostPort(value: string, defaultHost: string): { host: string; port: number } | null {
  const colon = value.lastIndexOf(':');
  const host = colon === -1 ? defaultHost : value.slice(0, colon).replace(/^\[|\]$/g, '');
  const port = Number(colon === -1 ? value : value.slice(colon + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535 || host === '') return null;
  return { host, port };
}

/** Parses the flags; returns a usage message on a malformed value. */
export function parseLocalOverrides(listen: readonly string[], endpoints: readonly string[]): LocalOverrides | string {
  const l = new Map<string, { host: string; port: number }>();
  for (const v of listen) {
    const [name, rest] = [v.slice(0, v.indexOf('=')), v.slice(v.indexOf('=') + 1)];
    const hp = v.includes('=') && LISTENERS.has(name) ? hostPort(rest, '127.0.0.1') : null;
    if (!hp) return `--listen ${v}: expected inbound|outbound|admin=[host:]port`;
    l.set(name, hp);
  }
  const e = new Map<string, { address: string; port: number }>();
  for (const v of endpoints) {
    const eq = v.indexOf('=');
    const hp = eq > 0 ? hostPort(v.slice(eq + 1), '') : null;
    if (!hp) return `--endpoint ${v}: expected <service>=host:port`;
    e.set(v.slice(0, eq), { address: hp.host, port: hp.port });
  }
  return { listen: l, endpoints: e };
}

type Json = Record<string, any>;

/** The config text with the overrides applied; text that is not a JSON object is returned as is (validation reports it). */
export function applyLocalOverrides(text: string, o: LocalOverrides): string {
  let doc: Json;
  try {
    doc = JSON.parse(text) as Json;
  } catch {
    return text;
  }
  if (typeof doc !== 'object' || doc === null || typeof doc.listeners !== 'object' || doc.listeners === null) return text;
  const listeners = doc.listeners as Json;
  for (const name of LISTENERS) {
    const l = listeners[name] as Json | undefined;
    if (l && typeof l === 'object') l.host = '127.0.0.1';
    const to = o.listen.get(name);
    if (to) listeners[name] = { ...(l ?? {}), host: to.host, port: to.port };
  }
  const app = o.endpoints.get('inbound');
  if (app && listeners.inbound && typeof listeners.inbound === 'object') listeners.inbound.app = { host: app.address, port: app.port };
  for (const s of Array.isArray(doc.services) ? (doc.services as Json[]) : []) {
    const to = o.endpoints.get(s?.name);
    if (!to || !Array.isArray(s.subsets)) continue;
    for (const sub of s.subsets as Json[]) sub.endpoints = [{ address: to.address, port: to.port }];
  }
  return JSON.stringify(doc);
}

/** Services named in `--endpoint` that the config does not have (a typo must not pass silently). */
export function unknownEndpointServices(text: string, o: LocalOverrides): string[] {
  let names: string[] = [];
  try {
    const doc = JSON.parse(text) as Json;
    names = (Array.isArray(doc.services) ? (doc.services as Json[]) : []).map((s) => String(s?.name));
    if (doc.listeners?.inbound) names.push('inbound');
  } catch {
    return [];
  }
  return [...o.endpoints.keys()].filter((n) => !names.includes(n));
}
