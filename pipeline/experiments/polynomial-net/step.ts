// E2 `polynomial-net`: the DCNN trained with ReLU and, from the same initial weights, in the same
// mini-batch order and with the same settings, with ReLU replaced by its least-squares polynomial
// fit on [-a, a] (pipeline/analysis/relu-fits.ts, the fits of Figure 39) of each chosen degree.
// The artifact keeps every epoch's record (errors, losses, and for the polynomial nets how many
// pre-activations fell outside [-a, a]), the final models and their confusion matrices.
import { legendreCoefficients, legendreToMonomial } from '../../analysis/relu-fits.ts';
import { RELU, type Activation, type PolynomialActivation } from '../../engine/activation.ts';
import type { NetSettings } from '../../profiles/net.ts';
import type { PolynomialNetSettings } from '../../profiles/polynomial-net.ts';
import type { StepContext } from '../../step.ts';
import { addTrajectories, SnapshotWriter, type SnapshotIndex } from '../kit/snapshots.ts';
import type { TrajectorySpec } from '../kit/trajectory.ts';
import { runTrajectories } from '../kit/trajectories.ts';

export interface PolynomialNetParams {
  seed: number;
  net: NetSettings;
  /** the fits' interval [-a, a] (reluFits.a) */
  a: number;
  poly: PolynomialNetSettings;
}

/** One of the compared networks: ReLU, or the fit of one degree. */
export interface ComparedNet {
  /** 'relu' or 'degree-<n>': the `net` label of its trajectories */
  id: string;
  label: string;
  degree: number | null;
  activation: Activation;
}

/** The artifact: trajectories labelled `net` (a ComparedNet id) and `seed`; the nets in the settings. */
export type PolynomialNetIndex = SnapshotIndex<PolynomialNetParams & { nets: ComparedNet[] }>;

const STREAM = 'polynomial-net';

/** ReLU's least-squares fit of `degree` on [-a, a], as the engine's activation. */
export function reluFitActivation(a: number, degree: number, outside: PolynomialActivation['outside']): PolynomialActivation {
  // the fit in powers of x / a, where its coefficients stay moderate
  return { kind: 'polynomial', interval: a, coefficients: legendreToMonomial(legendreCoefficients(a, degree), 1), outside };
}

/** The ReLU net first, then the polynomial net of the claim, then the further degrees. */
export function comparedNets({ a, poly }: PolynomialNetParams): ComparedNet[] {
  const degrees = [poly.degree, ...poly.moreDegrees.filter((d) => d !== poly.degree)];
  return [
    { id: 'relu', label: 'ReLU', degree: null, activation: RELU },
    ...degrees.map((degree) => ({ id: `degree-${degree}`, label: `polynomial, degree ${degree}`, degree, activation: reluFitActivation(a, degree, poly.outside) })),
  ];
}

export function trajectoryName(net: string, seed: number): string {
  return `${net}-seed-${seed}`;
}

/** Every net from every seed; the nets of one seed share its initial weights and mini-batch order. */
export function polynomialNetTrajectories(params: PolynomialNetParams): TrajectorySpec[] {
  const { net, poly } = params;
  return Array.from({ length: poly.seeds }, (_, s) => s + 1).flatMap((seed) =>
    comparedNets(params).map(
      (n): TrajectorySpec => ({
        name: trajectoryName(n.id, seed),
        net,
        activation: n.activation,
        start: { kind: 'init', stream: [STREAM, 'init', seed] },
        optimizer: { kind: 'sgd', learningRate: poly.learningRate, batchSize: poly.batchSize },
        epochs: poly.epochs,
        stream: [STREAM, seed],
        confusion: 'last',
        meta: { net: n.id, seed },
      }),
    ),
  );
}

export async function run(ctx: StepContext<PolynomialNetParams>): Promise<void> {
  const specs = polynomialNetTrajectories(ctx.params);
  const nets = comparedNets(ctx.params);
  ctx.log(`${nets.map((n) => n.label).join(', ')}; ${ctx.params.poly.seeds} seed${ctx.params.poly.seeds > 1 ? 's' : ''}, ${ctx.params.poly.epochs} epochs`);
  // the slower polynomial nets first, so no worker is left with one at the end
  const order = [...specs].sort((x, y) => Number(y.activation?.kind === 'polynomial') - Number(x.activation?.kind === 'polynomial'));
  const outcomes = await runTrajectories(ctx, ctx.params.seed, [{ label: 'ReLU and polynomial nets', trajectories: order }]);
  const writer = new SnapshotWriter(ctx.outDir);
  // the figures and claims read the records and the final confusion matrices, not the weights
  await addTrajectories(writer, ctx.scratchDir, specs, outcomes, { weights: 'last' });
  await writer.close({ ...ctx.params, nets });
}
