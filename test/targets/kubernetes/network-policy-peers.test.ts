import { describe, expect, it } from 'vitest';
import { generateMesh } from '../../../bench/synth/mesh';
import { emitContext } from '../../../src/synth/emit-context';
import { withModelMemo } from '../../../src/model/memo';
import { TARGETS } from '../../../src/targets/index';

/**
 * NetworkPolicy peers are copies (network-policy.ts, `toRules`): no peer object is shared by two
 * rules or two policies, so a YAML writer never aliases one and no later edit of one policy
 * reaches another; each copy equals the peer it was made from.
 */
describe('NetworkPolicy peers', () => {
  it('are distinct objects, each equal to the peer it copies', () => {
    const model = generateMesh(30).toModel().model!;
    const kubernetes = TARGETS.find((t) => t.name === 'kubernetes')!;
    const manifests = withModelMemo(() => kubernetes.emit(emitContext(model, model.environments[0]!, () => {})).manifests);
    const peers = manifests
      .filter((m) => m.kind === 'NetworkPolicy')
      .flatMap((m) => ((m.spec as { ingress?: Array<{ from?: object[] }> }).ingress ?? []).flatMap((rule) => rule.from ?? []));
    expect(peers.length).toBeGreaterThan(30);
    expect(new Set(peers).size).toBe(peers.length);
    // A caller's pods: namespace and app selector, as plain data.
    expect(peers).toContainEqual({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'team-0' } }, podSelector: { matchLabels: { app: 'svc-0' } } });
    for (const p of peers) expect(Object.getPrototypeOf(p)).toBe(Object.prototype);
  });
});
