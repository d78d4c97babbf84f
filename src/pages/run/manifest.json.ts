// /run/manifest.json: the manifest of the run the site shows, so that a published site can be
// compared with another run (`npm run diff -- <site folder> <run>`) without the cache it was built
// from. Each figure's record says what the site itself has: the files it publishes under
// /figures/<id>/files/, and missing (with the site's reason) when the site could not show it.
import type { APIRoute } from 'astro';
import { loadRun } from '../../lib/run.ts';
import type { RunManifest } from '../../lib/run.ts';

export const GET: APIRoute = async () => {
  const run = await loadRun();
  if (!run.manifest) return new Response('null\n', { headers: { 'Content-Type': 'application/json; charset=utf-8' } });
  const shown = new Map(run.figures.map((f) => [f.id, f]));
  const manifest: RunManifest = {
    ...run.manifest,
    figures: run.manifest.figures.map((record) => {
      const figure = shown.get(record.id);
      if (record.status !== 'built') return record;
      if (!figure?.built) return { ...record, status: 'missing', reason: figure?.reason ?? 'not on this site', files: undefined };
      const published = new Set(figure.built.downloads.map((d) => d.name));
      return { ...record, files: Object.fromEntries(Object.entries(record.files ?? {}).filter(([name]) => published.has(name))) };
    }),
  };
  return new Response(JSON.stringify(manifest, null, 1) + '\n', { headers: { 'Content-Type': 'application/json; charset=utf-8' } });
};
