// Two runs' PNGs of one figure, pixel by pixel (pixelmatch): how many pixels differ visibly, and
// an image that shows where. A pixel counts when its colour differs by more than pixelmatch's
// default threshold (0.1 in its perceptual colour distance), anti-aliased edge pixels included:
// pixelmatch's anti-aliasing detection would leave out pixels that differ only by an edge's
// shading, but it was a third of the time of a whole diff, and the figures come from one renderer,
// so a changed edge is a moved mark. Images of different sizes are compared on the larger canvas,
// the smaller one padded with white.
import pixelmatch from 'pixelmatch';
import { decodePng, encodePng, shrink, type Rgba } from './png.ts';
import type { PixelDiff } from './types.ts';

/** How faint B is drawn under the highlighted pixels. */
const BACKGROUND_ALPHA = 0.15;
/** The highlight image is shrunk to at most this width (the figures' PNGs are drawn at 2x). */
const HIGHLIGHT_WIDTH = 1600;

function padded(image: Rgba, width: number, height: number): Uint8Array {
  if (image.width === width && image.height === height) return image.data;
  const out = new Uint8Array(width * height * 4).fill(255);
  for (let y = 0; y < image.height; y++) {
    out.set(image.data.subarray(y * image.width * 4, (y + 1) * image.width * 4), y * width * 4);
  }
  return out;
}

export interface PixelComparison {
  diff: PixelDiff;
  /** PNG: differing pixels in red on a faded copy of B; only when asked for */
  highlight: Uint8Array | null;
}

export function comparePngs(a: Uint8Array, b: Uint8Array, options: { highlight: boolean }): PixelComparison {
  const pa = decodePng(a);
  const pb = decodePng(b);
  const width = Math.max(pa.width, pb.width);
  const height = Math.max(pa.height, pb.height);
  const output = options.highlight ? new Uint8Array(width * height * 4) : undefined;
  const differing = pixelmatch(padded(pa, width, height), padded(pb, width, height), output, width, height, { alpha: BACKGROUND_ALPHA, includeAA: true });
  const highlight = output ? encodePng(shrink({ width, height, data: output }, Math.ceil(width / HIGHLIGHT_WIDTH))) : null;
  return {
    diff: { width, height, differing, share: differing / (width * height), sizeChanged: pa.width !== pb.width || pa.height !== pb.height },
    highlight,
  };
}
