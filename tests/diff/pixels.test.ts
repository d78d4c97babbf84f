// The PNG decoder of the pixel diff against pngjs, and the pixel diff itself.
import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { PixelPool } from '../../pipeline/diff/pixel-pool.ts';
import { comparePngs } from '../../pipeline/diff/pixels.ts';
import { decodePng, encodePng, shrink } from '../../pipeline/diff/png.ts';

function image(width: number, height: number, colour: (x: number, y: number) => [number, number, number, number]): PNG {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) png.data.set(colour(x, y), (y * width + x) * 4);
  }
  return png;
}

const noise = (x: number, y: number): [number, number, number, number] => [(x * 37 + y * 11) % 256, (x * y) % 256, (x + 3 * y) % 256, 255 - ((x + y) % 7)];

describe('decoding PNGs', () => {
  for (const filterType of [0, 1, 2, 3, 4]) {
    it(`reads RGBA rows filtered with filter ${filterType} exactly as pngjs does`, () => {
      const bytes = PNG.sync.write(image(37, 23, noise), { filterType });
      expect(Buffer.from(decodePng(bytes).data).equals(PNG.sync.read(bytes).data)).toBe(true);
    });
  }

  it('reads RGB without alpha, and falls back to pngjs for other formats', () => {
    const rgb = PNG.sync.write(image(19, 11, noise), { colorType: 2, filterType: 4 });
    expect(Buffer.from(decodePng(rgb).data).equals(PNG.sync.read(rgb).data)).toBe(true);
    const grey = PNG.sync.write(image(19, 11, (x) => [x * 9, x * 9, x * 9, 255]), { colorType: 0 });
    expect(decodePng(grey)).toMatchObject({ width: 19, height: 11 });
    expect(() => decodePng(new Uint8Array([1, 2, 3]))).toThrow(/not a PNG/);
  });

  it('round-trips through encodePng, and shrinking keeps highlighted pixels', () => {
    const grey = image(8, 8, (x, y) => (x === 5 && y === 6 ? [255, 0, 0, 255] : [200, 200, 200, 255]));
    const small = shrink({ width: 8, height: 8, data: grey.data }, 4);
    expect(small).toMatchObject({ width: 2, height: 2 });
    expect([...small.data.subarray(12, 16)]).toEqual([255, 0, 0, 255]);
    expect([...small.data.subarray(0, 4)]).toEqual([200, 200, 200, 255]);
    expect(Buffer.from(decodePng(encodePng(small)).data).equals(Buffer.from(small.data))).toBe(true);
  });
});

describe('the pixel diff', () => {
  const white = (): [number, number, number, number] => [255, 255, 255, 255];
  it('counts the pixels that differ and highlights them', () => {
    const a = PNG.sync.write(image(40, 20, white));
    const b = PNG.sync.write(image(40, 20, (x, y) => (x < 10 && y < 2 ? [0, 0, 0, 255] : [255, 255, 255, 255])));
    const { diff, highlight } = comparePngs(a, b, { highlight: true });
    expect(diff).toEqual({ width: 40, height: 20, differing: 20, share: 20 / 800, sizeChanged: false });
    const drawn = decodePng(highlight!);
    expect([...drawn.data.subarray(0, 3)]).toEqual([255, 0, 0]);
    expect(comparePngs(a, a, { highlight: false })).toMatchObject({ diff: { differing: 0, share: 0 }, highlight: null });
  });

  it('compares images of different sizes on the larger canvas', () => {
    const a = PNG.sync.write(image(40, 20, white));
    const b = PNG.sync.write(image(40, 25, white));
    expect(comparePngs(a, b, { highlight: false }).diff).toMatchObject({ width: 40, height: 25, differing: 0, sizeChanged: true });
  });
});

describe('the pixel pool', () => {
  it('gives the same results from worker threads as in the calling thread', async () => {
    const a = PNG.sync.write(image(64, 48, noise));
    const b = PNG.sync.write(image(64, 48, (x, y) => (y < 8 ? [0, 0, 0, 255] : noise(x, y))));
    const inline = new PixelPool(1);
    const threads = new PixelPool(2);
    try {
      const expected = comparePngs(a, b, { highlight: true });
      const results = await Promise.all([threads.compare(a, b, { highlight: true }), threads.compare(b, a, { highlight: false }), threads.compare(a, a, { highlight: false })]);
      expect(results[0]!.diff).toEqual(expected.diff);
      expect(Buffer.from(results[0]!.highlight!).equals(Buffer.from(expected.highlight!))).toBe(true);
      expect(results[1]!.diff.differing).toBe(expected.diff.differing);
      expect(results[2]!.diff.differing).toBe(0);
      expect((await inline.compare(a, b, { highlight: false })).diff).toEqual(expected.diff);
    } finally {
      await threads.close();
      await inline.close();
    }
  });
});
