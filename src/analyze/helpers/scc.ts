/**
 * Tarjan's strongly connected components, iterative (no recursion, so a chain of 10,000 calls
 * cannot overflow the stack). O(nodes + edges). Returns node → component id; ids are only
 * compared for equality. Edges to nodes outside `nodes` are ignored.
 * @see https://en.wikipedia.org/wiki/Tarjan%27s_strongly_connected_components_algorithm
 */
export function stronglyConnectedComponents(nodes: readonly string[], edges: (node: string) => readonly string[]): Map<string, number> {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const component = new Map<string, number>();
  const known = new Set(nodes);
  let counter = 0;
  let components = 0;
  for (const root of nodes) {
    if (index.has(root)) continue;
    // Frames of the depth-first search: a node and the position of its next edge.
    const frames: Array<{ node: string; edge: number; out: readonly string[] }> = [];
    const open = (node: string) => {
      index.set(node, counter);
      low.set(node, counter);
      counter++;
      stack.push(node);
      onStack.add(node);
      frames.push({ node, edge: 0, out: edges(node) });
    };
    open(root);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1]!;
      if (frame.edge < frame.out.length) {
        const to = frame.out[frame.edge++]!;
        if (!known.has(to)) continue;
        if (!index.has(to)) open(to);
        else if (onStack.has(to)) low.set(frame.node, Math.min(low.get(frame.node)!, index.get(to)!));
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.set(member, components);
        } while (member !== frame.node);
        components++;
      }
    }
  }
  return component;
}
