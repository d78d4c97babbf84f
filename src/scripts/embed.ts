// The interactive chart of a figure page: vega-embed renders the figure's own spec.vl.json (the
// downloadable file, data inlined) into each [data-vega-spec] container. The static SVG beside it
// stays as it is, so the page is complete without JavaScript or if the chart fails.
type Embed = typeof import('vega-embed').default;

async function show(embed: Embed, container: HTMLElement): Promise<void> {
  const url = container.dataset.vegaSpec!;
  const status = container.parentElement?.querySelector<HTMLElement>('.chart-status');
  try {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    const spec = (await response.json()) as Parameters<Embed>[1];
    const result = await embed(container, spec, {
      renderer: 'svg',
      // nothing that would open or load from another site
      actions: { export: true, source: false, compiled: false, editor: false },
      downloadFileName: container.dataset.figure ?? 'figure',
    });
    container.dataset.state = 'ready';
    if (status) status.textContent = 'Hover over the marks for their values; the menu exports SVG or PNG.';
    // keep a handle for debugging and tests
    (container as HTMLElement & { vegaView?: unknown }).vegaView = result.view;
  } catch (error) {
    container.dataset.state = 'error';
    if (status) {
      status.textContent = `The interactive chart could not be drawn (${(error as Error).message}); the static rendering below is the same figure.`;
      status.classList.add('error');
    }
  }
}

const containers = [...document.querySelectorAll<HTMLElement>('[data-vega-spec]')];
if (containers.length > 0) {
  // vega, vega-lite and vega-embed are one large chunk: loaded only where a chart is drawn
  import('vega-embed').then(
    ({ default: embed }) => containers.forEach((container) => void show(embed, container)),
    (error: Error) => {
      for (const container of containers) {
        container.dataset.state = 'error';
        const status = container.parentElement?.querySelector<HTMLElement>('.chart-status');
        if (status) status.textContent = `The chart library could not be loaded (${error.message}); the static rendering below is the same figure.`;
      }
    },
  );
}
