// Convolution test cases as the kernel tests describe them (NHWC input, HWIO filter), their
// names and their tensor shapes: shared by the tests of each kernel provider.
import * as tf from '@tensorflow/tfjs';

export type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
type Shape4 = [number, number, number, number];

export interface ConvCase {
  n: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  k: [number, number];
  strides: [number, number];
  pad: Pad;
  dilations?: [number, number];
  /** what the case is there for, shown in its name */
  note?: string;
}

export function convName(c: ConvCase): string {
  const pad = typeof c.pad === 'string' ? c.pad : typeof c.pad === 'number' ? `pad ${c.pad}` : 'explicit';
  return `n${c.n} ${c.h}x${c.w}x${c.ci} -> ${c.co}, ${c.k.join('x')} stride ${c.strides.join(',')} ${pad}${c.note ? ` (${c.note})` : ''}`;
}

/** Input, filter and output shapes of a case. */
export function convShapes(c: ConvCase): { xShape: Shape4; fShape: Shape4; yShape: Shape4 } {
  const xShape: Shape4 = [c.n, c.h, c.w, c.ci];
  const fShape: Shape4 = [c.k[0], c.k[1], c.ci, c.co];
  const info = tf.backend_util.computeConv2DInfo(xShape, fShape, c.strides, c.dilations ?? 1, c.pad, undefined, false, 'channelsLast');
  return { xShape, fShape, yShape: info.outShape as Shape4 };
}
