// The step that draws a figure: its spec, tables and caption (figure.json) become the validated
// Vega-Lite spec, SVG, PNG and one CSV per table.
import { readJson, writeJson } from '../artifacts.ts';
import type { StepContext } from '../step.ts';
import type { FigureOutput } from '../../figures/types.ts';
import { renderFigure } from './index.ts';

export async function run(ctx: StepContext<{ figure: string }>): Promise<void> {
  const id = ctx.params.figure;
  const output = await readJson<FigureOutput>(ctx.inputs[`figure:${id}`]!, 'figure.json');
  const result = await renderFigure(output, ctx.outDir);
  await writeJson(ctx.outDir, 'render.json', {
    figure: id,
    width: result.width,
    height: result.height,
    tables: Object.keys(output.tables),
    // vega-lite's warnings (e.g. a field no table has) would otherwise pass unnoticed
    warnings: result.warnings,
  });
  for (const warning of result.warnings) ctx.log(`vega-lite: ${warning}`);
}
