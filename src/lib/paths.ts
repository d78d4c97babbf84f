// Internal links, under the base path the site is published at (LANDSCAPE_SITE_BASE).
// Every page, file and asset link goes through `href`, so the site works under a sub-path.
const BASE = import.meta.env.BASE_URL.replace(/\/+$/, '');

/** `href('/figures/fig-03/')` -> `/sub/figures/fig-03/` when the base is `/sub/`. */
export function href(path: string): string {
  return `${BASE}/${path.replace(/^\/+/, '')}`;
}

export const paths = {
  home: (): string => href('/'),
  run: (): string => href('/run/'),
  runById: (id: string): string => href(`/runs/${encodeURIComponent(id)}/`),
  section: (id: string): string => href(`/sections/${id}/`),
  figure: (id: string): string => href(`/figures/${id}/`),
  file: (id: string, name: string): string => href(`/figures/${id}/files/${encodeURIComponent(name)}`),
  /** the run manifest the site carries, so a published site can be compared with another run */
  manifest: (): string => href('/run/manifest.json'),
  /** the comparison of the run shown with another run (built with `npm run site -- --diff <run>`) */
  diff: (other: string): string => href(`/diff/${encodeURIComponent(other)}/`),
  diffFile: (other: string, name: string): string => href(`/diff/${encodeURIComponent(other)}/files/${encodeURIComponent(name)}`),
};
