// The step that turns cached artifacts into one figure's spec, tables and caption, by calling the
// figure's module (figures/fig-NN.ts). Its output, figure.json, is what the render step draws.
import { pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeJson } from './artifacts.ts';
import type { StepContext } from './step.ts';
import type { FigureModule, FigureOutput } from '../figures/types.ts';

export interface FigureStepParams {
  figure: string;
  module: string;
  settings: unknown;
}

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

export async function run(ctx: StepContext<FigureStepParams>): Promise<void> {
  const { figure: id, module, settings } = ctx.params;
  const loaded = (await import(pathToFileURL(join(repoRoot, module)).href)) as { figure?: FigureModule };
  if (!loaded.figure || typeof loaded.figure.build !== 'function') {
    throw new Error(`${module} does not export a figure module ('export const figure = { build }')`);
  }
  const output: FigureOutput = await loaded.figure.build({ profile: ctx.profile, params: settings, inputs: ctx.inputs });
  if (!output.caption.trim()) throw new Error(`${id}: the figure module returned an empty caption`);
  await writeJson(ctx.outDir, 'figure.json', output);
}
