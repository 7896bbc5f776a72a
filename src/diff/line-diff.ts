/**
 * A unified line diff (`-`/`+`/` ` lines, hunks with context) for the resource view. Common
 * leading and trailing lines are stripped first, so the quadratic longest-common-subsequence
 * table only spans the changed middle of a file, which in a one-resource-per-file tree is small.
 */
export function unifiedDiff(before: string, after: string, context = 2): string[] {
  const a = before.split('\n');
  const b = after.split('\n');
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const ops = middle(a.slice(start, endA), b.slice(start, endB));
  const lines: { op: ' ' | '-' | '+'; text: string }[] = [
    ...a.slice(0, start).map((text) => ({ op: ' ' as const, text })),
    ...ops,
    ...a.slice(endA).map((text) => ({ op: ' ' as const, text })),
  ];
  // Keep changed lines and `context` lines around them; mark gaps with `…`.
  const keep = lines.map(() => false);
  lines.forEach((l, i) => {
    if (l.op === ' ') return;
    for (let j = Math.max(0, i - context); j <= Math.min(lines.length - 1, i + context); j++) keep[j] = true;
  });
  const out: string[] = [];
  let gap = false;
  lines.forEach((l, i) => {
    if (!keep[i]) {
      gap = true;
      return;
    }
    if (gap && out.length) out.push('…');
    gap = false;
    if (l.op === ' ' && l.text === '' && i === lines.length - 1) return;
    out.push(`${l.op} ${l.text}`.trimEnd());
  });
  return out;
}

function middle(a: string[], b: string[]): { op: ' ' | '-' | '+'; text: string }[] {
  const n = a.length;
  const m = b.length;
  // lcs[i][j]: length of the LCS of a[i..] and b[j..].
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: { op: ' ' | '-' | '+'; text: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push({ op: ' ', text: a[i]! });
      i++;
      j++;
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) out.push({ op: '-', text: a[i++]! });
    else out.push({ op: '+', text: b[j++]! });
  }
  while (i < n) out.push({ op: '-', text: a[i++]! });
  while (j < m) out.push({ op: '+', text: b[j++]! });
  return out;
}
