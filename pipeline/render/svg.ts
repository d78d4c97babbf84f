// Pass 4: Vega -> SVG with vega's headless View (renderer 'none': no DOM, no canvas).
//
// Deterministic by construction: the same spec gives byte-identical SVG in any process.
// - vega numbers clip paths and gradients from process-wide counters; they are reset before
//   each render so ids do not depend on what was rendered earlier.
// - text is measured by vega's estimate (0.8 em per character) even if a canvas package happens
//   to be installed, so layout does not depend on the fonts of the machine.
// - the loader refuses every URL and file: figures carry their data inline.
// Formatting of dates uses the process's time zone; figures here plot numbers, not dates.
import * as vega from 'vega';
import type { Loader, Spec as VegaSpec } from 'vega';
import { collectingLogger } from './compile.ts';

export interface SvgResult {
  svg: string;
  /** the SVG's size in CSS pixels (the whole figure, titles and legends included) */
  width: number;
  height: number;
  /** vega's runtime warnings */
  warnings: string[];
}

const offlineLoader: Loader = (() => {
  const base = vega.loader();
  const refuse = async (what: string): Promise<never> => {
    throw new Error(`figures must carry their data inline; refused to load ${what}`);
  };
  return {
    ...base,
    load: (uri: string) => refuse(uri),
    http: (uri: string) => refuse(uri),
    file: (name: string) => refuse(name),
  };
})();

let metricsFixed = false;
function fixTextMetrics(): void {
  if (metricsFixed) return;
  // textMetrics is exported by vega-scenegraph (through vega) but missing from vega's typings
  const metrics = (vega as unknown as { textMetrics?: { canvas(use: boolean): void } }).textMetrics;
  metrics?.canvas(false);
  metricsFixed = true;
}

export async function vegaToSvg(spec: VegaSpec): Promise<SvgResult> {
  fixTextMetrics();
  vega.resetSVGDefIds();
  const warnings: string[] = [];
  const view = new vega.View(vega.parse(spec), {
    renderer: 'none',
    loader: offlineLoader,
    logger: collectingLogger(warnings),
    logLevel: vega.Warn,
  });
  try {
    await view.runAsync();
    const svg = roundGeometry(await view.toSVG());
    const size = svgSize(svg);
    return { svg, ...size, warnings };
  } finally {
    view.finalize();
  }
}

/**
 * Rounds the coordinates in path data and transforms to 1/1000 of a pixel. Vega writes them at
 * full double precision (`3.1499999999999897`), which more than doubles the size of figures
 * made of many marks (heatmaps) and changes nothing visible. Text is left alone.
 */
export function roundGeometry(svg: string): string {
  return svg.replace(/ (d|transform)="([^"]*)"/g, (_, name: string, value: string) => {
    const rounded = value.replace(/-?\d+\.\d{4,}(?:e-?\d+)?/g, (n) => {
      const r = Math.round(Number(n) * 1000) / 1000;
      return String(Object.is(r, -0) ? 0 : r);
    });
    return ` ${name}="${rounded}"`;
  });
}

/** width and height attributes of the root <svg> element */
export function svgSize(svg: string): { width: number; height: number } {
  const root = /<svg\b[^>]*>/.exec(svg)?.[0] ?? '';
  const width = Number(/\swidth="([\d.]+)"/.exec(root)?.[1]);
  const height = Number(/\sheight="([\d.]+)"/.exec(root)?.[1]);
  if (!(width > 0 && height > 0)) throw new Error('rendered SVG has no usable width / height');
  return { width, height };
}
