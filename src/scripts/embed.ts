// The interactive charts: vega-embed renders a Vega-Lite spec into each container that names one,
// either by URL ([data-vega-spec]: a figure page's own spec.vl.json, data inlined) or as inline
// JSON in the page ([data-vega-inline]: the id of a <script type="application/json">, as on the
// diff page, which must work from file:// where nothing local can be fetched). The static
// pictures beside them stay as they are, so a page is complete without JavaScript.
type Embed = typeof import('vega-embed').default;
type Spec = Parameters<Embed>[1];

async function specOf(container: HTMLElement): Promise<Spec> {
  const inline = container.dataset.vegaInline;
  if (inline) {
    const element = document.getElementById(inline);
    if (!element?.textContent) throw new Error(`no inline spec #${inline}`);
    return JSON.parse(element.textContent) as Spec;
  }
  const url = container.dataset.vegaSpec!;
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return (await response.json()) as Spec;
}

async function show(embed: Embed, container: HTMLElement): Promise<void> {
  const status = container.parentElement?.querySelector<HTMLElement>('.chart-status');
  try {
    const spec = await specOf(container);
    const result = await embed(container, spec, {
      renderer: 'svg',
      // nothing that would open or load from another site
      actions: { export: true, source: false, compiled: false, editor: false },
      downloadFileName: container.dataset.figure ?? 'figure',
    });
    container.dataset.state = 'ready';
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

const containers = [...document.querySelectorAll<HTMLElement>('[data-vega-spec], [data-vega-inline]')];
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
