// E2 (analysis part): the least-squares polynomial approximations of ReLU, their coefficients,
// exact sup-norm errors and sampled curves for the figures.
import { writeJson } from '../artifacts.ts';
import type { ReluFitsSettings } from '../profiles/relu-fits.ts';
import type { StepContext } from '../step.ts';
import { evaluateFit, fitRelu, relu, type ReluFit } from './relu-fits.ts';

export const RELU_FITS_FILE = 'fits.json';

export interface ReluFitsArtifact {
  a: number;
  fits: ReluFit[];
  /** the curves on [-a, a]: x, ReLU(x), and each fit by degree */
  curves: { x: number[]; relu: number[]; fit: Record<string, number[]> };
}

export async function run(ctx: StepContext<ReluFitsSettings>): Promise<void> {
  const { a, degrees, curvePoints, searchPoints } = ctx.params;
  const fits = degrees.map((degree, i) => {
    ctx.progress(i, degrees.length, `degree ${degree}`);
    return fitRelu(a, degree, searchPoints);
  });
  const x = Array.from({ length: curvePoints }, (_, k) => -a + (2 * a * k) / (curvePoints - 1));
  const artifact: ReluFitsArtifact = {
    a,
    fits,
    curves: {
      x,
      relu: x.map(relu),
      fit: Object.fromEntries(fits.map((f) => [String(f.degree), x.map((v) => evaluateFit(f.legendre, a, v)[0])])),
    },
  };
  await writeJson(ctx.outDir, RELU_FITS_FILE, artifact);
  ctx.progress(degrees.length, degrees.length);
}
