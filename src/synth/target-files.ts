import type { FileSink } from './compile';

/**
 * The files of one target in one environment (or in its verification overlay), each handed to
 * the sink as soon as it is rendered. Paths never repeat across targets (each has its folder);
 * within one, a path is remembered with how to render its content again, so that a second
 * object for it is compared without keeping every file's text.
 */
export class TargetFiles {
  private readonly written = new Map<string, () => string>();

  /** `collision` is told of a second, different object for a path (WEFT007). */
  constructor(
    private readonly sink: FileSink,
    private readonly collision: (path: string, what?: string) => void,
  ) {}

  /**
   * Writes `path` with `content` (rendered now, unless the caller has it already); returns the
   * content when this wrote it, undefined when the path was already written.
   */
  put(path: string, render: () => string, what?: string, content = render()): string | undefined {
    const earlier = this.written.get(path);
    if (earlier) {
      if (earlier() !== content) this.collision(path, what);
      return undefined;
    }
    this.written.set(path, render);
    this.sink(path, content);
    return content;
  }
}
