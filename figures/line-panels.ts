// Shared views of E6 (straight lines and random directions through the real network's weight
// space) for Figures 1 (real-net panels), 41, 42 and 43: the artifact loader, the rows of a set of
// profiles, and a panel that draws one measure along them.
import { INTERPOLATION_STEP, readInterpolation, type InterpolationArtifact, type LineProfile } from '../pipeline/experiments/interpolation/artifact.ts';
import type { FigureContext, Row } from './types.ts';

export async function loadInterpolation(ctx: FigureContext<unknown>): Promise<InterpolationArtifact> {
  const ref = ctx.inputs[INTERPOLATION_STEP];
  if (!ref) throw new Error(`this figure needs the artifact of '${INTERPOLATION_STEP}'`);
  return readInterpolation(ref);
}

export type Measure = 'trainError' | 'testError' | 'trainLoss' | 'testLoss';

export const MEASURE_TITLES: Record<Measure, string> = {
  trainError: 'training error',
  testError: 'test error',
  trainLoss: 'training loss',
  testLoss: 'test loss',
};

const round = (v: number) => Number(v.toPrecision(5));

/** One row per point of every line: its id, its name, its group (for colour), a and the four measures. */
export function lineRows(lines: LineProfile[], group: (line: LineProfile) => string): Row[] {
  return lines.flatMap((line) =>
    line.a.map((a, i) => ({
      line: line.id,
      label: lineLabel(line),
      group: group(line),
      a,
      trainError: round(line.trainError[i]!),
      testError: round(line.testError[i]!),
      trainLoss: round(line.trainLoss[i]!),
      testLoss: round(line.testLoss[i]!),
    })),
  );
}

export interface ProfilePanelOptions {
  title: string;
  /** the table of rows (lineRows) */
  table: string;
  measure: Measure;
  /** the groups in legend order, and their colours */
  groups: { domain: string[]; range: string[]; title: string | null };
  width: number;
  height: number;
  /** the x field and its title: a along lines, t along directions */
  x?: { field: string; title: string };
  /** dashed vertical rules (a table with one x value per row), e.g. the end points a = 0 and 1 */
  rules?: string;
  /** where the legend goes (default: above the panel) */
  legend?: 'top' | 'right';
}

/** An error axis in percent that shows at least 0-1 %, so a line at zero still has a scale. */
export function errorScale() {
  return { scale: { domain: { unionWith: [0, 0.01] } }, axis: { format: '.2~%' } };
}

/** One measure along a set of profiles, one line each, coloured by group. */
export function profilePanel(o: ProfilePanelOptions) {
  const x = o.x ?? { field: 'a', title: 'a in (1 - a)·A + a·B' };
  const isError = o.measure.endsWith('Error');
  return {
    title: { text: o.title, anchor: 'start' as const, fontSize: 12 },
    width: o.width,
    height: o.height,
    layer: [
      ...(o.rules
        ? [{ data: { name: o.rules }, mark: { type: 'rule' as const, strokeDash: [4, 3], color: '#999999' }, encoding: { x: { field: x.field, type: 'quantitative' as const } } }]
        : []),
      {
        data: { name: o.table },
        mark: { type: 'line' as const, strokeWidth: 1.2, opacity: 0.85 },
        encoding: {
          x: { field: x.field, type: 'quantitative' as const, title: x.title, scale: { nice: false } },
          y: { field: o.measure, type: 'quantitative' as const, title: MEASURE_TITLES[o.measure], ...(isError ? errorScale() : {}) },
          detail: { field: 'line', type: 'nominal' as const },
          stroke: { field: 'group', type: 'nominal' as const, scale: { domain: o.groups.domain, range: o.groups.range }, legend: { title: o.groups.title, orient: o.legend ?? 'top', labelLimit: 260 } },
          tooltip: [
            { field: 'label', type: 'nominal' as const, title: 'line' },
            { field: x.field, type: 'quantitative' as const },
            { field: o.measure, type: 'quantitative' as const, title: MEASURE_TITLES[o.measure], format: isError ? '.2%' : '.4f' },
          ],
        },
      },
    ],
  };
}

/** A line by its ends, e.g. 'M_final to copy 2 (k = 1)'. */
export function lineLabel(line: LineProfile): string {
  return `${line.from} to ${line.to}${line.kind === 'from-final' ? ` (k = ${line.k})` : ''}`;
}

/** How the models on a line are built and evaluated, for every caption of E6. */
export function describeLines(a: InterpolationArtifact): string {
  const { line } = a.settings.interpolation;
  return (
    `Each line holds the models w(a) = (1 - a)·A + a·B at ${line.points} evenly spaced values of a from ${line.from} to ${line.to} (the ends A ` +
    `and B at a = 0 and 1, dashed; beyond them the line is extended). Batch norm has no stored statistics to carry along a line: for every ` +
    `model on it they are recomputed on the first ${a.settings.net.bnCalibration} training images, as for every model of the project.`
  );
}
