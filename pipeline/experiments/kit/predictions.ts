// The predicted classes of a model on a split, kept in records and artifacts as text: one digit
// per image, in the split's order (ten classes), so a whole test set costs one character an image
// in JSON. Two models with the same errors can still predict differently; this is how we tell.
import { CLASSES } from '../../engine/net.ts';

export interface Predictions {
  train: string;
  test: string;
}

export function encodePredictions(predicted: Uint8Array): string {
  if (CLASSES > 10) throw new Error(`one digit per prediction holds 10 classes, not ${CLASSES}`);
  let out = '';
  for (let i = 0; i < predicted.length; i++) out += String(predicted[i]);
  return out;
}

/** The share of images on which two models predict different classes. */
export function disagreement(a: string, b: string): number {
  if (a.length !== b.length) throw new Error(`predictions of ${a.length} and ${b.length} images cannot be compared`);
  if (a.length === 0) throw new Error('no predictions to compare');
  let differ = 0;
  for (let i = 0; i < a.length; i++) if (a.charCodeAt(i) !== b.charCodeAt(i)) differ++;
  return differ / a.length;
}
