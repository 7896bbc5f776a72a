import { Construct } from 'constructs';
import type { Manifest } from '../target';

/**
 * An object written as plain data, without a cdk8s `ApiObject`: it takes its place in the
 * chart's construct tree, so that it comes out in the same position of `emit`'s result, but
 * skips cdk8s's per-object rendering (resolve, sanitize, typed L1 conversion), which is most of
 * the emit time of a large mesh. Used where the object's shape is simple and fully known; the
 * manifest is written as cdk8s would render it (no undefined or null fields), and the golden
 * files under test/targets/kubernetes pin the bytes.
 */
export class PlainObject extends Construct {
  constructor(
    scope: Construct,
    id: string,
    readonly manifest: Manifest,
  ) {
    super(scope, id);
  }
}
