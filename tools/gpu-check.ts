// gpu-check: one self-contained check of a GPU machine, offline, in under 5 minutes; from the
// repository (npm run gpu-check) or from the bundle (./landscape gpu-check).
//
//   gpu-check [--software] [--batches 100,1000,5000] [--budget 270] [--no-torch] [--out FILE]
//
// 1. the machine: GPUs (nvidia-smi), driver, libvulkan, the Vulkan driver manifests (ICDs); on an
//    NVIDIA machine VK_DRIVER_FILES is pointed at NVIDIA's driver when it is not set, so Dawn
//    cannot quietly take a software driver instead (gpu-check-machine.ts);
// 2. the WebGPU adapter Dawn gives (a software one fails the check unless --software, which is for
//    trying the check itself on a machine without a GPU; on an NVIDIA machine the vendor must be
//    nvidia);
// 3. gradients of the paper net (width 80) on webgpu against the wasm path;
// 4. training images/s of the paper net (width 80, plain SGD as in train.ts) at batch 100 and
//    larger batches (the chunks of full-batch gradient descent) on webgpu, on tensorflow when
//    tfjs-node(-gpu) is installed, and in PyTorch (CUDA when it has it; tools/torch_reference.py,
//    the same net) when a Python with torch is there, with the ratio webgpu / PyTorch.
//
// Each measurement runs in a child process (gpu-check-children.ts), bounded by what is left of
// the time budget. Exit code: 0 all passed, 1 a check failed, 2 no usable adapter. Results: a
// line per finding on stdout, and JSON (written whatever the outcome) under bench-results/ in
// the current folder, or --out.
import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { predictFingerprint } from '../pipeline/engine/fingerprint.ts';
import { adapterLabel, probeAdapter, webgpuAttempt } from '../pipeline/engine/gpu-probe.ts';
import { BUNDLE, programArgs } from '../pipeline/root.ts';
import { line, machine } from './gpu-check-machine.ts';
import { runTorchReference, torchPython } from './torch-reference.ts';

export const MARK = 'GPU-CHECK ';
/** the paper's width */
export const WIDTH = 80;
/** images of the gradient check */
export const GRADIENT_IMAGES = 16;
const GRADIENT_TOLERANCE = 1e-3;

export const GPU_CHECK_USAGE = `Usage: gpu-check [--software] [--batches 100,1000,5000] [--budget 270] [--no-torch] [--out FILE]

Checks a GPU machine in under 5 minutes: the GPU, driver and Vulkan setup, the WebGPU adapter,
the paper net's gradients on webgpu against the CPU (wasm) path, and training images/s of the
paper net at each batch size, beside PyTorch on the same GPU when python3 has torch.

  --software        accept a software adapter (lavapipe): to try the check without a GPU
  --batches <list>  batch sizes to time (default 100,1000,5000)
  --budget <s>      seconds for the whole check (default 270)
  --no-torch        skip the PyTorch reference
  --out <file>      the JSON report (default bench-results/gpu-check-<time>.json)

Exit code: 0 all passed, 1 a check failed, 2 no usable adapter.`;

interface Options {
  software: boolean;
  batches: number[];
  budget: number;
  torch: boolean;
  out: string | null;
}

interface TrainMeasure {
  engine: string;
  batch: number;
  imagesPerSecond: number;
  steps: number;
  seconds: number;
  device?: string;
  error?: string;
}

function parseOptions(argv: string[]): Options {
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const batches = (value('--batches') ?? '100,1000,5000').split(',').map(Number);
  if (!batches.every((b) => Number.isInteger(b) && b > 0)) throw new Error('--batches needs whole numbers, e.g. 100,1000');
  const budget = Number(value('--budget') ?? 270);
  if (!(budget > 30)) throw new Error('--budget needs seconds, more than 30');
  return { software: argv.includes('--software'), batches, budget, torch: !argv.includes('--no-torch'), out: value('--out') ?? null };
}

/** One child task of gpu-check-children.ts on a forced backend: its result line, or why there is none. */
function child(task: string[], backend: string, timeoutSeconds: number): { result: Record<string, unknown> | null; error: string | null } {
  const { execArgv, file, args } = programArgs('tools/landscape.ts', [], ['gpu-check', '--child', ...task]);
  const r = spawnSync(process.execPath, [...execArgv, file, ...args], {
    encoding: 'utf8',
    timeout: Math.round(Math.max(5, timeoutSeconds) * 1000),
    env: { ...process.env, LANDSCAPE_BACKEND: backend },
    maxBuffer: 16 * 2 ** 20,
  });
  const found = (r.stdout ?? '').split('\n').find((l) => l.startsWith(MARK));
  if (found) return { result: JSON.parse(found.slice(MARK.length)) as Record<string, unknown>, error: null };
  if (r.error) return { result: null, error: r.error.message };
  if (r.signal) return { result: null, error: `killed by ${r.signal} (time limit)` };
  const err = String(r.stderr ?? '').split('\n').filter((l) => l.trim() && !/artificially reduced/.test(l));
  return { result: null, error: `exit ${r.status}: ${err.slice(-3).join(' | ') || 'no output'}` };
}

function ourMeasure(engine: string, batch: number, seconds: number, timeout: number): { result: TrainMeasure | null; error: string | null } {
  const { result, error } = child(['train', String(batch), String(seconds)], engine, timeout);
  return { result: result as TrainMeasure | null, error };
}

/** PyTorch: the same net, on CUDA when torch has it, timed the same way (warm-up, then whole synchronised steps). */
function torchMeasure(python: string, batch: number, seconds: number, timeout: number): { result: TrainMeasure | null; error: string | null } {
  const args = ['train', '--width', String(WIDTH), '--batch', String(batch), '--seconds', String(seconds), '--device', 'auto'];
  const { result, error } = runTorchReference(python, args, { timeoutSeconds: timeout });
  if (!result) return { result: null, error };
  const { steps = 0, seconds: took = 0, imagesPerSecond = 0, device } = result;
  return { result: { engine: 'pytorch', batch, steps, seconds: took, imagesPerSecond, device }, error: null };
}

function summarise(measures: TrainMeasure[], batches: number[]): string[] {
  const lines: string[] = [];
  const engines = [...new Set(measures.map((m) => m.engine))];
  lines.push(`  ${'engine'.padEnd(12)}${batches.map((b) => `batch ${b}`.padStart(16)).join('')}`);
  for (const engine of engines) {
    const cells = batches.map((b) => {
      const m = measures.find((x) => x.engine === engine && x.batch === b);
      return (m ? (m.error ? 'failed' : `${m.imagesPerSecond.toFixed(0)} img/s`) : '-').padStart(16);
    });
    lines.push(`  ${engine.padEnd(12)}${cells.join('')}`);
  }
  for (const b of batches) {
    const w = measures.find((m) => m.engine === 'webgpu' && m.batch === b && !m.error);
    const t = measures.find((m) => m.engine === 'pytorch' && m.batch === b && !m.error);
    if (w && t) lines.push(`  batch ${b}: webgpu / PyTorch = ${(w.imagesPerSecond / t.imagesPerSecond).toFixed(3)}`);
  }
  return lines;
}

/** Whether tfjs-node(-gpu) would serve a forced tensorflow backend here. */
function tensorflowInstalled(): boolean {
  const before = process.env.LANDSCAPE_BACKEND;
  try {
    process.env.LANDSCAPE_BACKEND = 'tensorflow';
    return predictFingerprint().backend === 'tensorflow';
  } catch {
    return false;
  } finally {
    if (before === undefined) delete process.env.LANDSCAPE_BACKEND;
    else process.env.LANDSCAPE_BACKEND = before;
  }
}

/** The check itself; returns the exit code. The report is written whatever the outcome. */
async function check(options: Options, report: Record<string, unknown>, elapsed: () => number): Promise<{ code: number; failures: string[] }> {
  const failures: string[] = [];
  const facts = machine();
  report.machine = facts;
  if (options.software) process.env.LANDSCAPE_WEBGPU_SOFTWARE = '1';

  console.log('\nWebGPU adapter');
  const probe = probeAdapter();
  const adapter = probe.adapter;
  report.adapter = adapter;
  if (!adapter) {
    line('adapter', 'none');
    for (const m of probe.messages) line('Dawn said', m);
    line('tried', webgpuAttempt());
    const why = probe.messages.some((m) => /not installed/.test(m))
      ? `no WebGPU adapter: ${probe.messages[0]} (npm ci installs it; or use the bundle, see the README).`
      : "no WebGPU adapter. On Linux Dawn needs libvulkan.so.1 and the GPU driver's Vulkan ICD (NVIDIA: nvidia_icd.json, installed with the driver); see the README, \"GPU engines\".";
    return { code: 2, failures: [why] };
  }
  line('adapter', `${adapterLabel(adapter)}; vendor ${adapter.vendor || '-'}, architecture ${adapter.architecture || '-'}, device ${adapter.device || '-'}`);
  line('driver', adapter.description || '-');
  line('probe', `${probe.seconds.toFixed(2)} s`);
  if (adapter.software && !options.software) {
    return { code: 2, failures: [`only a software adapter (${adapterLabel(adapter)}): no GPU is in use. Run with --software to try this check on it anyway.`] };
  }
  if (facts.nvidia && adapter.vendor !== 'nvidia') {
    return { code: 2, failures: [`this machine has an NVIDIA GPU, but Dawn's adapter is ${adapterLabel(adapter)}: point VK_DRIVER_FILES at NVIDIA's nvidia_icd.json.`] };
  }
  if (adapter.software) console.log('  (a software adapter, as asked with --software: the timings below say nothing about a GPU)');
  const left = () => options.budget - elapsed();

  console.log(`\ngradients (paper net, width ${WIDTH}, ${GRADIENT_IMAGES} images): webgpu against the wasm path`);
  {
    const { result, error } = child(['gradients'], 'webgpu', Math.min(120, left()));
    if (!result) {
      failures.push(`gradients: ${error}`);
      line('result', `failed: ${error}`);
    } else {
      const errors = result.errors as number[];
      const worst = Math.max(...errors);
      report.gradients = { errors, worst, reference: result.reference };
      line('reference', `wasm with the ${String(result.reference)} kernels`);
      line('loss', `relative difference ${errors[0]!.toExponential(2)}`);
      line('gradients', errors.slice(1).map((e, i) => `${i === 5 ? 'bias' : `layer ${i + 1}`} ${e.toExponential(2)}`).join(', '));
      line('verdict', worst <= GRADIENT_TOLERANCE ? `pass (worst ${worst.toExponential(2)} <= ${GRADIENT_TOLERANCE})` : `FAIL (worst ${worst.toExponential(2)})`);
      if (worst > GRADIENT_TOLERANCE) failures.push(`gradients differ from the wasm path by ${worst.toExponential(2)}`);
    }
  }

  console.log(`\ntraining throughput (paper net, width ${WIDTH}, plain SGD): images/s`);
  const engines: string[] = ['webgpu'];
  if (tensorflowInstalled()) engines.push('tensorflow');
  else line('tensorflow', 'not installed (tfjs-node-gpu / tfjs-node): skipped');
  let python: string | null = null;
  if (options.torch) {
    const found = torchPython();
    python = found.python;
    if (!python) line('pytorch', `no Python imports torch (tried ${found.tried.join(', ')}): skipped`);
  }
  const runs: Array<{ engine: string; batch: number }> = [];
  for (const batch of options.batches) {
    for (const engine of engines) runs.push({ engine, batch });
    if (python) runs.push({ engine: 'pytorch', batch });
  }
  const measures: TrainMeasure[] = [];
  report.training = measures;
  runs.forEach(({ engine, batch }, i) => {
    // an even share of what is left, of which about a third is the timed part
    const share = left() / (runs.length - i);
    if (share < 5) {
      measures.push({ engine, batch, imagesPerSecond: 0, steps: 0, seconds: 0, error: 'no time left' });
      line(`${engine} ${batch}`, 'skipped: no time left');
      return;
    }
    const target = Math.max(1, Math.min(15, share / 3));
    const { result, error } = engine === 'pytorch' ? torchMeasure(python!, batch, target, share) : ourMeasure(engine, batch, target, share);
    if (!result) {
      measures.push({ engine, batch, imagesPerSecond: 0, steps: 0, seconds: 0, error: error ?? 'no result' });
      failures.push(`${engine} at batch ${batch}: ${error}`);
      line(`${engine} ${batch}`, `failed: ${error}`);
      return;
    }
    measures.push(result);
    line(`${engine} ${batch}`, `${result.imagesPerSecond.toFixed(1)} images/s (${result.steps} step${result.steps === 1 ? '' : 's'} in ${result.seconds.toFixed(2)} s) on ${result.device}`);
  });

  console.log('\nsummary');
  for (const l of summarise(measures, options.batches)) console.log(l);
  return { code: failures.length ? 1 : 0, failures };
}

/** gpu-check with its arguments; returns the exit code. `--child <task>` runs one measurement. */
export async function gpuCheck(argv: string[]): Promise<number> {
  const childAt = argv.indexOf('--child');
  if (childAt >= 0) {
    const { childTask } = await import('./gpu-check-children.ts');
    await childTask(argv.slice(childAt + 1));
    return 0;
  }
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(GPU_CHECK_USAGE);
    return 0;
  }
  const options = parseOptions(argv);
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const report: Record<string, unknown> = { startedAt: new Date().toISOString(), options, program: BUNDLE ?? 'repository' };
  const { code, failures } = await check(options, report, elapsed);
  report.seconds = elapsed();
  report.failures = failures;
  const out = resolve(options.out ?? `bench-results/gpu-check-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(`${out}.tmp`, JSON.stringify(report, null, 1) + '\n');
  renameSync(`${out}.tmp`, out);
  console.log(`\n${failures.length ? `FAIL: ${failures.join('; ')}` : 'all checks passed'} in ${elapsed().toFixed(0)} s; results: ${relative(process.cwd(), out)}`);
  return code;
}
