import type { Rule } from '../rule';
import { PerEnvironmentFindings, environmentViews } from '../helpers/environments';

/**
 * A container image without a tag, or tagged `latest`. Kubernetes then pulls whatever the tag
 * points to at each pod start (imagePullPolicy Always for `latest`), so two pods of one version may
 * run different code and a rollback restores nothing; Argo CD cannot see the change either.
 * Digests (`@sha256:…`) and other tags are fine. Checked per environment, as environments may
 * override images.
 * @see https://kubernetes.io/docs/concepts/containers/images/#image-names
 * @see https://kubernetes.io/docs/concepts/configuration/overview/#container-images
 */
export const imageTags: Rule = {
  id: 'image-tags',
  codes: { WEFT501: { severity: 'warning', title: 'image without a pinned tag' } },
  check(ctx) {
    const views = environmentViews(ctx.model);
    const findings = new PerEnvironmentFindings(views.map((v) => v.env));
    for (const view of views)
      for (const s of view.model.services)
        for (const v of s.versions) {
          const tag = tagOf(v.image);
          if (tag === 'digest' || (tag !== undefined && tag !== 'latest')) continue;
          findings.add(view.env, `${v.path}|${v.image}`, {
            code: 'WEFT501',
            at: v,
            message: `version "${v.name}" of service "${s.name}" runs image "${v.image}", ${tag === 'latest' ? 'tagged "latest"' : 'which has no tag (so "latest")'}: every pod start may pull different code`,
            hint: `pin the image to a version tag or a digest, e.g. "${v.image.replace(/:latest$/, '')}:1.4.2"`,
          });
        }
    findings.report(ctx);
  },
};

/** The tag of an image reference, `'digest'` when pinned by digest, undefined without a tag. */
export function tagOf(image: string): string | undefined {
  if (image.includes('@')) return 'digest';
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  // A colon before the last slash belongs to a registry port (registry:5000/app).
  return colon >= 0 ? image.slice(colon + 1) : undefined;
}
