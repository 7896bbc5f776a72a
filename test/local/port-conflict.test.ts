import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { PortConflictError } from '../../src/local/errors';
import { LocalMesh } from '../../src/local/mesh';
import { freePorts } from '../../src/local/ports';
import { readTopology } from '../../src/local/topology';
import { childPids, until } from './processes';
import { fixtureDist } from '../verify/fixtures/dist';

describe('local mesh: a port conflict', () => {
  it('is an error naming the listener and the port, and nothing is left running', async () => {
    const dist = fixtureDist();
    const instances = readTopology(dist, 'dev').reduce((n, w) => n + w.replicas, 0);
    const ports = await freePorts(instances * 4);
    // Another process holds the first instance's inbound port.
    const squatter = net.createServer();
    await new Promise<void>((r) => squatter.listen(ports[1], '127.0.0.1', () => r()));
    const before = new Set(childPids());
    try {
      const error = await LocalMesh.start({ distDir: dist, env: 'dev', ports }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(PortConflictError);
      expect((error as PortConflictError).code).toBe('WEFT_LOCAL_PORT_CONFLICT');
      expect((error as Error).message).toMatch(new RegExp(`port conflict: proxy of backend-v1-0 \\(t\\), listener inbound could not listen on 127\\.0\\.0\\.1:${ports[1]}`));
      // Every other listener of the mesh is closed: each lives in a child the mesh spawned, and
      // none is left. (Probing the other ports by binding them would also see ports that a test
      // file running in parallel picked meanwhile, whose owner is not this mesh.)
      const left = () => childPids().filter((pid) => !before.has(pid));
      expect(await until(() => left().length === 0, 10_000), `still running: ${left().join(', ')}`).toBe(true);
    } finally {
      squatter.close();
    }
  }, 120_000);
});
