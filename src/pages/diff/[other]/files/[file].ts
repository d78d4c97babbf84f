// The pictures of the diff page: run A's PNG of each changed figure and its pixel-diff image,
// copied from the diff bundle (src/lib/diff.ts) to /diff/<other run>/files/<name>.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { APIRoute, GetStaticPaths } from 'astro';
import { loadDiff } from '../../../../lib/diff.ts';

export const getStaticPaths = (async () => {
  const diff = await loadDiff();
  if (!diff) return [];
  const names = diff.bundle.figures.flatMap((f) => Object.values(f.images));
  return names.map((file) => ({ params: { other: diff.bundle.a.id, file }, props: { path: join(diff.dir, file) } }));
}) satisfies GetStaticPaths;

export const GET: APIRoute<{ path: string }> = async ({ props }) => {
  return new Response(new Uint8Array(await readFile(props.path)), { headers: { 'Content-Type': 'image/png' } });
};
