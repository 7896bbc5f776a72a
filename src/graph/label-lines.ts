/** Edge labels wrap at policy boundaries (` · `) to lines of about this many characters. */
const LINE_CHARS = 34;

/** Splits a label into lines at ` · ` so that no line (unless one part alone) is longer than LINE_CHARS. */
export function labelLines(label: string): string[] {
  if (!label) return [];
  const lines: string[] = [];
  for (const part of label.split(' · ')) {
    const last = lines[lines.length - 1];
    if (last !== undefined && last.length + 3 + part.length <= LINE_CHARS) lines[lines.length - 1] = `${last} · ${part}`;
    else lines.push(part);
  }
  return lines;
}

/**
 * Text metrics for layout, without a font engine: an average advance per character of the
 * renderers' font (12 px / 11 px system sans-serif). Slightly generous so labels never overflow.
 */
export const NODE_FONT_PX = 12;
export const EDGE_FONT_PX = 10.5;
export const LINE_HEIGHT = 13;

export function textWidth(text: string, fontPx: number): number {
  return Math.ceil(text.length * fontPx * 0.6);
}
