// A worker thread of the pixel pool (pixel-pool.ts): compares the PNGs it is sent and sends back
// the result, with the highlight image's buffer transferred rather than copied.
import { parentPort } from 'node:worker_threads';
import { comparePngs } from './pixels.ts';

interface Request {
  id: number;
  a: Uint8Array;
  b: Uint8Array;
  highlight: boolean;
}

parentPort!.on('message', ({ id, a, b, highlight }: Request) => {
  try {
    const result = comparePngs(a, b, { highlight });
    parentPort!.postMessage({ id, result }, result.highlight ? [result.highlight.buffer as ArrayBuffer] : []);
  } catch (error) {
    parentPort!.postMessage({ id, error: (error as Error).message });
  }
});
