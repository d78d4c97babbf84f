// The renderer: FigureOutput -> spec.vl.json, figure.svg, figure.png and one CSV per table.
//
// It runs as passes, each its own module so each can be tested and reused alone:
//   assemble (tables inlined as datasets) -> validate (vega-lite's JSON schema) ->
//   compile (vega-lite -> Vega) -> svg (vega headless View) -> png (resvg); csv beside.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import type { FigureOutput } from '../../figures/types.ts';
import { assembleSpec } from './assemble.ts';
import { compileToVega } from './compile.ts';
import { toCsv } from './csv.ts';
import { DEFAULT_SCALE, svgToPng } from './png.ts';
import { vegaToSvg } from './svg.ts';
import { validateSpec } from './validate.ts';

export { assembleSpec, AssembleError, namedData, VEGA_LITE_SCHEMA } from './assemble.ts';
export { checkSpec, validateSpec, SpecValidationError, type SchemaIssue } from './validate.ts';
export { compileToVega, type CompiledSpec } from './compile.ts';
export { vegaToSvg, svgSize, type SvgResult } from './svg.ts';
export { svgToPng, chooseFonts, DEFAULT_SCALE, type PngOptions, type PngResult, type FontChoice } from './png.ts';
export { toCsv, csvField, csvColumns } from './csv.ts';

export const SPEC_FILE = 'spec.vl.json';
export const SVG_FILE = 'figure.svg';
export const PNG_FILE = 'figure.png';

export interface RenderResult {
  /** the files written, relative to outDir: spec, SVG, PNG, then the CSVs by table name */
  files: string[];
  /** size of the figure in CSS pixels (the SVG); the PNG is `scale` times larger */
  width: number;
  height: number;
  scale: number;
  /** what vega-lite and vega reported while compiling and rendering (usually empty) */
  warnings: string[];
}

export interface RenderOptions {
  /** PNG pixels per CSS pixel (default 2) */
  scale?: number;
  /**
   * Fail on any vega-lite / vega warning (default false: they are returned in `warnings`).
   * Warnings often mean a silently wrong picture, e.g. a misspelt field gives an empty axis.
   */
  strict?: boolean;
}

export class RenderWarningError extends Error {
  override name = 'RenderWarningError';
  constructor(readonly warnings: string[]) {
    super(`rendering produced warnings:\n${warnings.map((w) => `  ${w}`).join('\n')}`);
  }
}

export interface SvgRender {
  svg: string;
  width: number;
  height: number;
  warnings: string[];
}

/**
 * A complete Vega-Lite spec (data inline or in `datasets`) to SVG: validated against the schema,
 * compiled, rendered headless. Throws SpecValidationError for a spec the schema rejects.
 */
export async function renderSpecToSvg(spec: TopLevelSpec): Promise<string> {
  return (await renderSpec(spec)).svg;
}

/** As renderSpecToSvg, with the size and the warnings. */
export async function renderSpec(spec: TopLevelSpec, label?: string): Promise<SvgRender> {
  validateSpec(spec, label);
  const compiled = compileToVega(spec);
  const drawn = await vegaToSvg(compiled.vega);
  return { svg: drawn.svg, width: drawn.width, height: drawn.height, warnings: [...compiled.warnings, ...drawn.warnings] };
}

/** Writes spec.vl.json, figure.svg, figure.png and `<table>.csv` for each table into outDir. */
/**
 * The spec as readable JSON that stays small: indented, except that each data row sits on one
 * line (figures with heatmaps carry tens of thousands of rows).
 */
export function formatSpec(spec: TopLevelSpec): string {
  const { datasets, ...rest } = spec as TopLevelSpec & { datasets?: Record<string, unknown[]> };
  if (!datasets) return JSON.stringify(spec, null, 2) + '\n';
  const body = JSON.stringify(rest, null, 2).replace(/\n}$/, '');
  const tables = Object.entries(datasets).map(
    ([name, rows]) => `    ${JSON.stringify(name)}: [\n${rows.map((r) => `      ${JSON.stringify(r)}`).join(',\n')}\n    ]`,
  );
  return `${body},\n  "datasets": {\n${tables.join(',\n')}\n  }\n}\n`;
}

export async function renderFigure(output: FigureOutput, outDir: string, options: RenderOptions = {}): Promise<RenderResult> {
  const scale = options.scale ?? DEFAULT_SCALE;
  const spec = assembleSpec(output);
  const drawn = await renderSpec(spec, 'the figure spec');
  if (options.strict && drawn.warnings.length > 0) throw new RenderWarningError(drawn.warnings);
  const png = svgToPng(drawn.svg, { scale });

  await mkdir(outDir, { recursive: true });
  const written: Array<[string, string | Buffer]> = [
    [SPEC_FILE, formatSpec(spec)],
    [SVG_FILE, drawn.svg],
    [PNG_FILE, png.png],
  ];
  for (const name of Object.keys(output.tables).sort()) {
    written.push([`${name}.csv`, toCsv(output.tables[name])]);
  }
  for (const [name, content] of written) await writeFile(join(outDir, name), content);

  return { files: written.map(([name]) => name), width: drawn.width, height: drawn.height, scale, warnings: drawn.warnings };
}
