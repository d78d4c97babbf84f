import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import type { TopLevelSpec } from 'vega-lite';
import type { FigureOutput } from '../../figures/types.ts';
import { renderFigure, renderSpec, renderSpecToSvg, RenderWarningError, SpecValidationError, type RenderResult } from '../../pipeline/render/index.ts';

// a layered chart like the trajectory figures: lines and points from one table, text labels
// from another; clipped marks make vega number clip paths (a source of non-determinism if unreset)
const figure: FigureOutput = {
  caption: 'A test figure.',
  tables: {
    runs: [0, 1, 2, 3, 4, 5].flatMap((epoch) => [
      { epoch, error: 0.9 * Math.exp(-epoch / 2), run: 'train' },
      { epoch, error: 0.9 * Math.exp(-epoch / 3) + 0.1, run: 'test' },
    ]),
    labels: [
      { epoch: 5, error: 0.3, text: 'final, "best"' },
      { epoch: 0, error: null, text: 'NaN' },
    ],
  },
  spec: {
    title: 'Error per epoch',
    width: 240,
    height: 160,
    layer: [
      {
        data: { name: 'runs' },
        mark: { type: 'line', clip: true },
        encoding: {
          x: { field: 'epoch', type: 'quantitative', title: 'Epoch' },
          y: { field: 'error', type: 'quantitative', title: 'Training error' },
          color: { field: 'run', type: 'nominal' },
        },
      },
      {
        data: { name: 'runs' },
        mark: 'point',
        encoding: {
          x: { field: 'epoch', type: 'quantitative' },
          y: { field: 'error', type: 'quantitative' },
          color: { field: 'run', type: 'nominal' },
        },
      },
      {
        data: { name: 'labels' },
        mark: { type: 'text', dy: -10 },
        encoding: {
          x: { field: 'epoch', type: 'quantitative' },
          y: { field: 'error', type: 'quantitative' },
          text: { field: 'text' },
        },
      },
    ],
  } as TopLevelSpec,
};

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let dir: string;
let result: RenderResult;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'render-test-'));
  result = await renderFigure(figure, join(dir, 'a'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('renderFigure', () => {
  it('writes the spec, SVG, PNG and one CSV per table', async () => {
    expect(result.files).toEqual(['spec.vl.json', 'figure.svg', 'figure.png', 'labels.csv', 'runs.csv']);
    expect(result.warnings).toEqual([]);
    expect(result.width).toBeGreaterThan(240);
    expect(result.height).toBeGreaterThan(160);
    expect(result.width).toBeLessThan(500);

    const spec = JSON.parse(await readFile(join(dir, 'a', 'spec.vl.json'), 'utf8'));
    expect(spec.$schema).toMatch(/vega-lite\/v6\.json$/);
    expect(spec.datasets.runs).toHaveLength(12);
    expect(spec.layer[2].data).toEqual({ name: 'labels' });
  });

  it('draws the data and the text into the SVG', async () => {
    const svg = await readFile(join(dir, 'a', 'figure.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain(`width="${result.width}"`);
    expect(svg).toContain('Error per epoch');
    expect(svg).toContain('Training error');
    expect(svg).toContain('final, &quot;best&quot;');
    // one line per run, one symbol per row of the table; the label with a null position is dropped
    expect(svg.match(/aria-roledescription="line mark"/g)).toHaveLength(2);
    expect(svg.match(/aria-roledescription="point"/g)).toHaveLength(12);
    expect(svg.match(/aria-roledescription="text mark"/g)).toHaveLength(1);
    expect(svg).toContain('clip-path="url(#clip1)"');
  });

  it('renders a PNG at twice the SVG size with visible marks and text', async () => {
    const bytes = await readFile(join(dir, 'a', 'figure.png'));
    expect(bytes.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    const png = PNG.sync.read(bytes);
    expect(png.width).toBe(2 * result.width);
    expect(png.height).toBe(2 * result.height);

    let nonWhite = 0;
    let dark = 0;
    let darkInTitle = 0;
    for (let y = 0; y < png.height; y++) {
      for (let x = 0; x < png.width; x++) {
        const i = 4 * (y * png.width + x);
        const [r, g, b] = [png.data[i], png.data[i + 1], png.data[i + 2]];
        if (r < 250 || g < 250 || b < 250) nonWhite++;
        // only text is near-black here: axes and grid are grey, marks are coloured
        if (r < 80 && g < 80 && b < 80) {
          dark++;
          if (y < 2 * 24) darkInTitle++;
        }
      }
    }
    const total = png.width * png.height;
    expect(nonWhite / total).toBeGreaterThan(0.02);
    expect(nonWhite / total).toBeLessThan(0.6);
    expect(dark).toBeGreaterThan(1000);
    expect(darkInTitle).toBeGreaterThan(100);
  });

  it('writes the tables as CSV', async () => {
    const labels = await readFile(join(dir, 'a', 'labels.csv'), 'utf8');
    expect(labels).toBe('epoch,error,text\r\n5,0.3,"final, ""best"""\r\n0,,NaN\r\n');
    const runs = (await readFile(join(dir, 'a', 'runs.csv'), 'utf8')).split('\r\n');
    expect(runs[0]).toBe('epoch,error,run');
    expect(runs[1]).toBe(`0,0.9,train`);
    expect(Number(runs[3].split(',')[1])).toBe(0.9 * Math.exp(-1 / 2));
  });

  it('is deterministic: byte-identical SVG and PNG on a second render, even after other renders', async () => {
    // another figure in between advances vega's clip-path counter if it is not reset
    await renderSpecToSvg({ data: { values: [{ a: 1 }] }, mark: { type: 'bar', clip: true }, encoding: { x: { field: 'a', type: 'quantitative' } } });
    await renderFigure(figure, join(dir, 'b'));
    for (const file of ['spec.vl.json', 'figure.svg', 'figure.png', 'runs.csv', 'labels.csv']) {
      const [first, second] = await Promise.all([readFile(join(dir, 'a', file)), readFile(join(dir, 'b', file))]);
      expect(second.equals(first), file).toBe(true);
    }
  });

  it('rejects an invalid spec with a message naming the path', async () => {
    const bad = structuredClone(figure);
    (bad.spec as { layer: Array<{ mark: unknown }> }).layer[1].mark = 'dot';
    const attempt = renderFigure(bad, join(dir, 'bad'));
    await expect(attempt).rejects.toBeInstanceOf(SpecValidationError);
    await expect(renderFigure(bad, join(dir, 'bad'))).rejects.toThrow(/\/layer\/1\/mark: must be one of/);

    const wrongType = structuredClone(figure);
    (wrongType.spec as { layer: Array<{ encoding: { x: { type: string } } }> }).layer[0].encoding.x.type = 'number';
    await expect(renderFigure(wrongType, join(dir, 'bad'))).rejects.toThrow(/\/layer\/0\/encoding\/x\/type/);
  });

  it('returns vega-lite\'s warnings, and fails on them when strict', async () => {
    // a misspelt field: schema-valid, but the chart comes out empty
    const typo = structuredClone(figure);
    (typo.spec as { layer: Array<{ encoding: { y: { field: string } } }> }).layer[1].encoding.y.field = 'eror';
    const drawn = await renderFigure(typo, join(dir, 'typo'));
    expect(drawn.warnings.join('\n')).toMatch(/eror/);
    await expect(renderFigure(typo, join(dir, 'typo'), { strict: true })).rejects.toBeInstanceOf(RenderWarningError);

    const dash = await renderSpec({
      data: { values: [{ a: 1, b: 2 }] },
      mark: 'line',
      encoding: { x: { field: 'a', type: 'quantitative' }, strokeDash: { field: 'b', type: 'quantitative' } },
    });
    expect(dash.warnings.some((w) => w.includes('strokeDash'))).toBe(true);
  });
});
