// Figure 39: least-squares polynomial approximations of ReLU on [-a, a] by degree, their error
// curves and their exact sup-norm errors.
import type { TopLevelSpec } from 'vega-lite';
import { readJson } from '../pipeline/artifacts.ts';
import { RELU_FITS_FILE, type ReluFitsArtifact } from '../pipeline/analysis/relu-fits-step.ts';
import type { ReluFitsSettings } from '../pipeline/profiles/relu-fits.ts';
import type { FigureModule, FigureProperty, Row } from './types.ts';

const STEP = 'analysis:relu-fits';
const WIDTH = 300;

function r(v: number, digits = 6): number {
  return Number(v.toPrecision(digits));
}

export const figure: FigureModule<ReluFitsSettings> = {
  async build(ctx) {
    const ref = ctx.inputs[STEP];
    if (!ref) throw new Error(`Figure 39 needs the artifact of '${STEP}'`);
    const art = await readJson<ReluFitsArtifact>(ref, RELU_FITS_FILE);
    const { a, fits, curves } = art;
    const degreeName = (d: number) => `degree ${d}`;
    const names = fits.map((f) => degreeName(f.degree));
    const colours = ['#1f77b4', '#2ca02c', '#ff7f0e', '#d62728', '#9467bd', '#8c564b'];

    const curveRows: Row[] = curves.x.flatMap((x, i) => [
      { x: r(x), y: r(curves.relu[i]!), curve: 'ReLU', error: 0 },
      ...fits.map((f) => {
        const y = curves.fit[String(f.degree)]![i]!;
        return { x: r(x), y: r(y), curve: degreeName(f.degree), error: r(y - curves.relu[i]!) };
      }),
    ]);
    const errorRows: Row[] = fits.flatMap((f) => [
      { degree: f.degree, measure: 'sup norm', value: r(f.supError), label: r(f.supError, 3).toString() },
      { degree: f.degree, measure: 'root mean square', value: r(f.rmsError), label: r(f.rmsError, 3).toString() },
    ]);
    const near = a / 6;
    const lowest = Math.min(...fits.map((f) => Math.min(f.supError, f.rmsError)));
    const highest = Math.max(...fits.map((f) => f.supError));
    const curveLegend = { title: null, orient: 'top-left' as const };
    const curveColour = { domain: ['ReLU', ...names], range: ['#000000', ...colours.slice(0, names.length)] };

    const curvesPanel = (title: string, filter: string | null, height: number) => ({
      title: { text: title, anchor: 'start' as const, fontSize: 12 },
      width: WIDTH,
      height,
      data: { name: 'curves' },
      transform: filter ? [{ filter }] : [],
      mark: { type: 'line' as const, strokeWidth: 1.3, clip: true },
      encoding: {
        x: { field: 'x', type: 'quantitative' as const, title: 'x', scale: { nice: false, domain: filter ? [-near, near] : [-a, a] } },
        y: { field: 'y', type: 'quantitative' as const, title: 'activation' },
        // colour and dash describe the same field: one legend shows both
        stroke: { field: 'curve', type: 'nominal' as const, scale: curveColour, legend: curveLegend },
        strokeDash: { field: 'curve', type: 'nominal' as const, scale: { domain: ['ReLU', ...names], range: [[5, 3], ...names.map(() => [1, 0])] }, legend: curveLegend },
      },
    });

    const spec = {
      title: { text: `Polynomial approximations of ReLU on [-${a}, ${a}]`, fontSize: 15 },
      vconcat: [
        {
          resolve: { scale: { stroke: 'independent', strokeDash: 'independent' } },
          hconcat: [curvesPanel('A   ReLU and its fits', null, 220), curvesPanel(`B   close to 0 (|x| < ${r(near, 3)})`, `abs(datum.x) <= ${near}`, 220)],
        },
        {
          resolve: { scale: { stroke: 'independent', color: 'independent' } },
          hconcat: [
            {
              title: { text: 'C   error of each fit, p(x) - ReLU(x)', anchor: 'start' as const, fontSize: 12 },
              width: WIDTH,
              height: 200,
              data: { name: 'curves' },
              transform: [{ filter: "datum.curve != 'ReLU'" }],
              mark: { type: 'line' as const, strokeWidth: 1.2 },
              encoding: {
                x: { field: 'x', type: 'quantitative' as const, title: 'x', scale: { nice: false, domain: [-a, a] } },
                y: { field: 'error', type: 'quantitative' as const, title: 'error' },
                stroke: { field: 'curve', type: 'nominal' as const, scale: { domain: names, range: colours.slice(0, names.length) }, legend: { title: null, orient: 'top' as const, direction: 'horizontal' as const } },
              },
            },
            {
              title: { text: 'D   error against degree', anchor: 'start' as const, fontSize: 12 },
              width: WIDTH,
              height: 200,
              data: { name: 'errors' },
              encoding: {
                x: { field: 'degree', type: 'quantitative' as const, title: 'degree', scale: { type: 'log' as const, base: 2, nice: false, domain: [Math.min(...fits.map((f) => f.degree)) / 1.3, Math.max(...fits.map((f) => f.degree)) * 1.3] }, axis: { values: fits.map((f) => f.degree) } },
                y: { field: 'value', type: 'quantitative' as const, title: `error on [-${a}, ${a}]`, scale: { type: 'log' as const, domain: [r(lowest / 1.6, 2), r(highest * 1.6, 2)], nice: false } },
                color: { field: 'measure', type: 'nominal' as const, scale: { domain: ['sup norm', 'root mean square'], range: ['#d62728', '#7f7f7f'] }, legend: { title: null, orient: 'top-right' as const } },
              },
              layer: [
                { mark: { type: 'line' as const, point: { filled: true, size: 30 } } },
                { mark: { type: 'text' as const, dy: -9, fontSize: 9 }, encoding: { text: { field: 'label', type: 'nominal' as const } } },
              ],
            },
          ],
        },
      ],
      resolve: { scale: { stroke: 'independent', color: 'independent' } },
      config: { view: { stroke: '#dddddd' }, concat: { spacing: 24 }, axis: { labelFontSize: 9, titleFontSize: 10 } },
    } as TopLevelSpec;

    const sorted = [...fits].sort((x, y) => x.degree - y.degree);
    const falling = sorted.every((f, i) => i === 0 || f.supError < sorted[i - 1]!.supError);
    const properties: FigureProperty[] = [
      {
        name: 'The sup-norm error falls as the degree rises',
        holds: sorted.length > 1 && falling,
        detail: sorted.map((f) => `degree ${f.degree}: ${r(f.supError, 6)}`).join('; '),
      },
    ];

    const coefficientLines = fits
      .map((f) => {
        const even = f.legendre.map((c, k) => ({ c, k })).filter(({ c }) => c !== 0);
        return `degree ${f.degree}: ` + even.map(({ c, k }) => `${r(c, 5)}·P${k}`).join(' + ').replace(/\+ -/g, '- ');
      })
      .join('; ');
    const caption = [
      `The paper's argument about many degenerate global minima is exact for networks whose nonlinearity is a polynomial, and it ` +
        `holds for ReLU networks in so far as a polynomial can stand in for ReLU. Here ReLU is approximated on [-${a}, ${a}] by the ` +
        `polynomial of degree ${fits.map((f) => f.degree).join(', ')} that minimises the integral of the squared error over the interval.`,
      `The fit is the projection of ReLU on the Legendre polynomials P_k(x/${a}); its coefficients are integrals of a polynomial over ` +
        `[0, ${a}] and are computed exactly by Gauss-Legendre quadrature (the odd part of ReLU is x/2, so only P_1 carries odd terms). ` +
        `Legendre coefficients: ${coefficientLines}. The coefficients in both forms, Legendre and powers of x, are in the ` +
        `table \`coefficients\`.`,
      `**A** The fits over the whole interval and **B** close to the kink at 0. **C** The error p(x) - ReLU(x) of each fit. ` +
        `**D** The error against degree on log scales: the sup norm (largest |error|, found by ` +
        `bracketing every critical point of the error on a grid of ${ctx.params.searchPoints} points per half-interval and refining it ` +
        `by bisection) is ${sorted.map((f) => `${r(f.supError, 4)} at degree ${f.degree}`).join(', ')}, attained at x = ` +
        `${[...new Set(sorted.map((f) => r(f.supAt, 3)))].join(', ')}. From one degree to the next it shrinks by a factor of ` +
        `${sorted.slice(1).map((f, i) => (sorted[i]!.supError / f.supError).toFixed(2)).join(', ')}; the root-mean-square error by ` +
        `${sorted.slice(1).map((f, i) => (sorted[i]!.rmsError / f.rmsError).toFixed(2)).join(', ')}.`,
      `Profile \`${ctx.profile.name}\`; deterministic floating-point arithmetic, no data or randomness involved.`,
    ].join('\n\n');

    // not drawn; written beside the figure so the polynomials can be reused as they are
    const coefficientRows: Row[] = fits.flatMap((f) =>
      f.legendre.map((c, k) => ({ degree: f.degree, k, legendre: c, monomial: f.monomial[k]! })),
    );
    return { spec, tables: { curves: curveRows, errors: errorRows, coefficients: coefficientRows }, caption, properties };
  },
};
