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
  claims: (): string => href('/claims/'),
  runById: (id: string): string => href(`/runs/${encodeURIComponent(id)}/`),
  section: (id: string): string => href(`/sections/${id}/`),
  figure: (id: string): string => href(`/figures/${id}/`),
  file: (id: string, name: string): string => href(`/figures/${id}/files/${encodeURIComponent(name)}`),
};
