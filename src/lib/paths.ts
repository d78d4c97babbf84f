// Internal links, written root-absolute (`/figures/fig-03/`). They are not what the built pages
// hold: after the build, the relative-links pass (src/build/relative-site.ts) rewrites every
// root-absolute URL of every page and stylesheet relative to its file, so one built folder works
// from disk, at a domain root and under any sub-path. New pages may use these helpers or write
// root-absolute paths by hand; both are covered.

/** `href('figures/fig-03/')` -> `/figures/fig-03/`. */
export function href(path: string): string {
  return `/${path.replace(/^\/+/, '')}`;
}

export const paths = {
  home: (): string => href('/'),
  run: (): string => href('/run/'),
  claims: (): string => href('/claims/'),
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
