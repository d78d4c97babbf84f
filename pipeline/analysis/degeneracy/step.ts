// The step `analysis:degeneracy`: the spectrum of E5's converged copies around M_final (per k and
// all together) and the exact check of Corollary 1. No tensors: it reads weights from E5's
// artifact and does the linear algebra with ml-matrix, in double precision.
import { lastEpoch, readRow } from '../../experiments/kit/snapshots.ts';
import { FLAT_MINIMA_STEP, readFlatMinima } from '../../experiments/flat-minima/artifact.ts';
import type { CorollarySettings } from '../../profiles/flat-minima.ts';
import type { StepContext } from '../../step.ts';
import { writeDegeneracy } from './artifact.ts';
import { copySpectrum } from './copies.ts';
import { checkCorollary } from './corollary.ts';

export interface DegeneracyParams {
  seed: number;
  corollary: CorollarySettings;
}

export async function run(ctx: StepContext<DegeneracyParams>): Promise<void> {
  const ref = ctx.inputs[FLAT_MINIMA_STEP]!;
  const e5 = await readFlatMinima(ref);
  const centre = await readRow(ref, e5.index, e5.minimum(1).epoch.row);
  const byK = await Promise.all(
    e5.settings.flat.ks.map(async (k) => ({ k, weights: await Promise.all(e5.copies(k).map((t) => readRow(ref, e5.index, lastEpoch(t).row))) })),
  );
  const copies = [...byK.map(({ k, weights }) => copySpectrum(k, centre, weights)), copySpectrum('all', centre, byK.flatMap((b) => b.weights))];
  ctx.progress(1, 2, 'Corollary 1');
  const corollary = checkCorollary(ctx.params.corollary, ctx.params.seed);
  ctx.log(`Corollary 1: K = ${corollary.weights} weights, N x C = ${corollary.equations}; loss ${corollary.finalLoss.toExponential(1)}, Hessian rank ${corollary.rank.hessian}`);
  await writeDegeneracy(ctx.outDir, { copies, corollary });
}
