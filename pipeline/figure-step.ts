// The step that turns cached artifacts into one figure's spec, tables and caption, by calling the
// figure's module (figures/fig-NN.ts). Its output, figure.json, is what the render step draws.
import { pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeJson } from './artifacts.ts';
import { divergenceOfArtifact } from './experiments/kit/snapshots.ts';
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
  // a figure drawn from training that diverged says so, whether or not its module does
  const diverged = (await Promise.all(Object.values(ctx.inputs).map(divergenceOfArtifact))).find((note) => note !== null);
  if (diverged && !output.caption.includes(diverged)) output.caption = `${output.caption}\n\n${diverged}`;
  await writeJson(ctx.outDir, 'figure.json', output);
}
