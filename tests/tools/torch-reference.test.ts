// The PyTorch reference of bench and gpu-check (tools/torch_reference.py) is our net: with our
// weights it gives our loss and our gradients, layer by layer. Skipped where no Python has torch
// (Debian: apt-get install python3-torch).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadWasm } from '../../pipeline/engine/backend.ts';
import { lossAndGradients, Net } from '../../pipeline/engine/model.ts';
import { initWeights } from '../../pipeline/engine/net.ts';
import { Rng } from '../../pipeline/engine/random.ts';
import { runTorchReference, torchPython } from '../../tools/torch-reference.ts';
import { randomSplit, relErr } from '../helpers/numbers.ts';

const { python } = torchPython();
const scratch = mkdtempSync(join(tmpdir(), 'landscape-torch-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.skipIf(!python)('the PyTorch reference', () => {
  it('is the net of net.ts: same loss and gradients for the same weights and images', async () => {
    await loadWasm();
    const width = 5;
    const weights = initWeights(width, new Rng('torch-reference-weights'));
    const { images, labels } = randomSplit(12, 'torch-reference-data');
    const net = new Net(width, weights);
    const ours = await lossAndGradients(net, images, labels);
    net.dispose();
    // our variables: five kernels, then the bias; the script's layout: per layer, kernel then bias
    const perLayer = [...ours.gradients.slice(0, 4), Float32Array.from([...ours.gradients[4]!, ...ours.gradients[5]!])];

    const input = join(scratch, 'case.json');
    writeFileSync(input, JSON.stringify({ width, weights: weights.map((w) => Array.from(w)), images: Array.from(images), labels: Array.from(labels) }));
    const { result, error } = runTorchReference(python!, ['gradients', '--input', input], { timeoutSeconds: 120 });
    expect(error).toBeNull();
    const theirs = result as unknown as { loss: number; gradients: number[][] };
    expect(Math.abs(theirs.loss - ours.loss) / ours.loss).toBeLessThan(1e-5);
    theirs.gradients.forEach((g, l) => expect(relErr(perLayer[l]!, g), `layer ${l + 1}`).toBeLessThan(1e-4));
  });
});
