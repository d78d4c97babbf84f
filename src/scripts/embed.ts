// The interactive chart of a figure page, a classic script (src/build/client-scripts.ts).
// vega-embed renders the figure's own Vega-Lite spec (the downloadable spec.vl.json, data
// inlined), which the page carries in a <script type="application/json"> block, into each
// [data-spec] container (data-spec names the block's id). Nothing is fetched, so the chart draws
// on a page opened from disk as well as on a server. The static SVG beside it stays as it is, so
// the page is complete without JavaScript or if the chart fails.
import embed from 'vega-embed';

type Spec = Parameters<typeof embed>[1];

/** The spec a container names, parsed from the page's JSON block. */
function specOf(container: HTMLElement): Spec {
  const id = container.dataset.spec!;
  const block = document.getElementById(id);
  if (!block || block.getAttribute('type') !== 'application/json') throw new Error(`the page has no JSON block #${id}`);
  return JSON.parse(block.textContent ?? '') as Spec;
}

async function show(container: HTMLElement): Promise<void> {
  const status = container.parentElement?.querySelector<HTMLElement>('.chart-status');
  try {
    const result = await embed(container, specOf(container), {
      renderer: 'svg',
      // nothing that would open or load from another site
      actions: { export: true, source: false, compiled: false, editor: false },
      downloadFileName: container.dataset.figure ?? 'figure',
    });
    container.dataset.state = 'ready';
    // a container may say what to tell the reader (the diff page's overlays do)
    if (status) status.textContent = container.dataset.readyText ?? 'Hover over the marks for their values; the menu exports SVG or PNG.';
    // keep a handle for debugging and tests
    (container as HTMLElement & { vegaView?: unknown }).vegaView = result.view;
  } catch (error) {
    container.dataset.state = 'error';
    if (status) {
      status.textContent = `The interactive chart could not be drawn (${(error as Error).message}); ${container.dataset.fallbackText ?? 'the static rendering below is the same figure.'}`;
      status.classList.add('error');
    }
  }
}

for (const container of document.querySelectorAll<HTMLElement>('[data-spec]')) void show(container);
