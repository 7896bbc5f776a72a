/** Weft's public API: the constructs users write in mesh.config.ts, and the model types. */
export * from './constructs/index';
export { duration, Duration, type DurationInput } from './model/duration';
export type { MeshModel } from './model/mesh';
