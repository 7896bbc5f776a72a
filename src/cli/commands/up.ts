import { resolve } from 'node:path';
import type { Command } from '../command';
import { ExitCode } from '../command';
import { parseOptions } from '../args';

const usage = `usage: weft up [--env E] [--dist DIR]

Runs the whole mesh of a weft environment on this machine, on loopback: per instance (replicas
honoured) one echo workload and one Weft proxy with the configs of dist/<env>/weft rewritten to
local ports, and each ingress gateway with its servers on loopback ports of their own (TLS
servers with a certificate for the declared hosts from a throwaway local CA). Prints what runs
where and the gateway URLs. Ctrl-C (SIGINT) or SIGTERM stops every process. If a
port is taken or a process dies, the error names it and everything else is stopped.

  --env E      environment (default: dev)
  --dist DIR   compiled manifests (default: dist)`;

export const command: Command = {
  name: 'up',
  summary: 'run the mesh locally: an echo workload and a Weft proxy per instance',
  usage,
  async run(args) {
    const values = parseOptions(command, args, { env: { type: 'string', default: 'dev' }, dist: { type: 'string', default: 'dist' } });
    if (!values) return ExitCode.usage;
    const { LocalMesh } = await import('../../local/mesh');
    const { LocalMeshError } = await import('../../local/errors');
    let failed: ((e: Error) => void) | undefined;
    const failure = new Promise<Error>((r) => (failed = r));
    let mesh;
    try {
      mesh = await LocalMesh.start({ distDir: resolve(values.dist!), env: values.env!, log: (l) => process.stdout.write(`${l}\n`), onFailure: (e) => failed!(e), announce: true });
    } catch (error) {
      if (error instanceof LocalMeshError) {
        process.stderr.write(`weft up: ${error.code}: ${error.message}\n`);
        return ExitCode.userError;
      }
      throw error;
    }
    process.stdout.write(`${mesh.table()}\n\n`);
    const gateways = mesh.gateways();
    for (const line of mesh.gatewayTable()) process.stdout.write(`${line}\n`);
    const tls = gateways.flatMap((g) => g.servers.filter((s) => s.tls && !s.hosts.every((h) => h.includes('*'))).map((s) => ({ g, s })))[0];
    const plain = gateways.flatMap((g) => g.servers.filter((s) => !s.tls && !s.hosts.every((h) => h.includes('*'))))[0];
    if (tls) {
      // --connect-to keeps the declared host in the URL, so curl sends it as SNI and Host and checks the certificate against it.
      const host = tls.s.hosts.find((h) => !h.includes('*'))!;
      const client = tls.s.tls === 'MUTUAL' && tls.g.client ? ` --cert ${tls.g.client.certFile} --key ${tls.g.client.keyFile}` : '';
      process.stdout.write(`call the gateway, e.g.\n  curl --cacert ${tls.g.caFile} --connect-to ${host}:443:127.0.0.1:${tls.s.port}${client} https://${host}/\n`);
    } else if (plain) {
      process.stdout.write(`call the gateway, e.g.\n  curl -H 'Host: ${plain.hosts.find((h) => !h.includes('*'))}' ${plain.url}/\n`);
    } else {
      process.stdout.write('no gateway declared; call a workload through its outbound port with a Host header, e.g.\n');
      const first = mesh.instances.find((i) => i.workload.config.routes?.length) ?? mesh.instances[0]!;
      const host = first.workload.config.routes?.[0]?.hosts?.[0] ?? 'service';
      process.stdout.write(`  curl -H 'Host: ${host}' http://127.0.0.1:${first.ports.outbound}/\n`);
    }
    if (mesh.switchesFile) process.stdout.write(`degradation switches: weft switch <name> on|off --local --env ${values.env} (file ${mesh.switchesFile})\n`);
    process.stdout.write('\nCtrl-C stops everything.\n');
    const signal = new Promise<string>((r) => {
      process.once('SIGINT', () => r('SIGINT'));
      process.once('SIGTERM', () => r('SIGTERM'));
    });
    const ended = await Promise.race([signal, failure]);
    if (typeof ended === 'string') {
      process.stdout.write(`${ended}: stopping ${mesh.pids().length} processes\n`);
      await mesh.stop();
      process.stdout.write('stopped\n');
      return ExitCode.ok;
    }
    process.stderr.write(`weft up: ${(ended as InstanceType<typeof LocalMeshError>).code}: ${ended.message}\n`);
    await mesh.stop();
    return ExitCode.userError;
  },
};
