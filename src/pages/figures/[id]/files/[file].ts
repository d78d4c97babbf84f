// The downloadable files of every built figure (spec, SVG, PNG, CSVs), copied from the render
// step's cache object into the site at /figures/<id>/files/<name>.
import { readFile } from 'node:fs/promises';
import type { APIRoute, GetStaticPaths } from 'astro';
import { loadRun, type DownloadFile } from '../../../../lib/run.ts';

export const getStaticPaths = (async () => {
  const run = await loadRun();
  return run.figures.flatMap((figure) =>
    (figure.built?.downloads ?? []).map((file) => ({ params: { id: figure.id, file: file.name }, props: { file } })),
  );
}) satisfies GetStaticPaths;

export const GET: APIRoute<{ file: DownloadFile }> = async ({ props }) => {
  const body = await readFile(props.file.path);
  return new Response(new Uint8Array(body), { headers: { 'Content-Type': props.file.contentType } });
};
