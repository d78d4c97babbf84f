// Content collections:
//   text      the Markdown under content/: one file per section (content/<section>.md), the home
//             page's introduction (content/home.md), and further notes that belong to a section
//             (front matter `section`), such as content/basin-model.md
//   captions  the caption and missing-panel notes of every built figure of the run shown, rendered
//             from Markdown by Astro's own Markdown pipeline, without any HTML of their own
//             (they come from the run's data: lib/safe-markdown.ts)
import { defineCollection, z } from 'astro:content';
import { glob, type Loader } from 'astro/loaders';
import { SECTIONS, loadRun, type SectionId } from './lib/run.ts';
import { withoutHtml, withSafeLinks } from './lib/safe-markdown.ts';

const sectionIds = Object.keys(SECTIONS) as [SectionId, ...SectionId[]];

const text = defineCollection({
  loader: glob({ pattern: '**/*.md', base: './content' }),
  schema: z.object({
    title: z.string(),
    section: z.enum(sectionIds).optional(),
    /** one sentence shown where the text is linked from */
    summary: z.string().optional(),
  }),
});

const captionLoader: Loader = {
  name: 'figure-captions',
  async load({ store, renderMarkdown, generateDigest, logger }) {
    store.clear();
    const run = await loadRun();
    let count = 0;
    for (const figure of run.figures) {
      if (!figure.built) continue;
      const { caption, missing } = figure.built.output;
      // text from the run's data: Markdown, but no HTML of its own (safe-markdown.ts)
      const render = async (text: string) => {
        const rendered = await renderMarkdown(withoutHtml(text));
        return { ...rendered, html: withSafeLinks(rendered.html) };
      };
      const missingHtml: string[] = [];
      for (const note of missing ?? []) missingHtml.push((await render(note)).html);
      store.set({
        id: figure.id,
        data: { missingHtml },
        body: caption,
        rendered: await render(caption),
        digest: generateDigest({ caption, missing: missing ?? [] }),
      });
      count += 1;
    }
    logger.info(`${count} figure captions from ${run.manifest ? `run ${run.manifest.id}` : 'no run'}`);
  },
};

const captions = defineCollection({
  loader: captionLoader,
  schema: z.object({ missingHtml: z.array(z.string()) }),
});

export const collections = { text, captions };
