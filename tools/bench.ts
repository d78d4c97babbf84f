// npm run bench: training throughput of the paper's DCNN (pipeline/engine/model.ts, batch 100,
// plain SGD as in train.ts) for each engine path this machine has (the native kernel provider;
// the npm-only path with our SIMD wasm kernels; the npm-only path on the wasm backend's own
// XNNPACK kernels, what it was before them), side by side with PyTorch on the same CPU when a
// Python with torch is there (tools/torch_reference.py: the same net, batch and threads), plus
// conv kernel GFLOP/s, peak RSS and the tensors alive before and after training (a leak shows
// as a difference).
//
//   npm run bench -- [--widths 16,80] [--rounds 3] [--epochs 5] [--threads N] [--no-torch]
//                    [--paths native,wasm,xnnpack] [--ops] [--out FILE]
//
// --ops adds where a training step's time goes, kernel by kernel (tf.profile of one epoch).
//
// Every measurement runs in its own child process (peak RSS per path, no state carried over),
// and the paths and PyTorch take turns round by round, so that a busy machine slows them alike;
// the table gives medians over the rounds and the load average. Results: a table on stdout and
// JSON under bench-results/ (or --out).
//
// LANDSCAPE_BENCH_PYTHON picks the Python with torch (default python3 on PATH, else /usr/bin/python3).
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTorchReference, torchPython, type TorchResult } from './torch-reference.ts';

const here = fileURLToPath(import.meta.url);
const repoRoot = join(dirname(here), '..');
const MARK = 'BENCH-RESULT ';
const IMAGES = 500; // per epoch, ours and the PyTorch reference's
const BATCH = 100;
const PREVIEW_WIDTH = 16;
const PAPER_WIDTH = 80;

type PathName = 'native' | 'wasm' | 'xnnpack';
const PATH_NAMES: readonly PathName[] = ['native', 'wasm', 'xnnpack'];
const PATH_LABELS: Record<PathName, string> = {
  native: 'native (OpenBLAS)',
  wasm: 'npm-only wasm (SIMD kernels)',
  xnnpack: 'npm-only wasm (XNNPACK)',
};

interface TrainResult {
  kind: 'train';
  path: string;
  width: number;
  threads: number;
  kernels: string;
  imagesPerSecond: number;
  epochSeconds: number[];
  tensors: { start: number; afterNet: number; afterTraining: number; afterDispose: number };
  peakRssMB: number;
  notes: string[];
  /** with --ops: milliseconds per training step by kernel (one profiled epoch), and the rest */
  ops?: Record<string, number>;
}

interface KernelResult {
  kind: 'kernels';
  path: string;
  threads: number;
  layer: string;
  gflops: { forward: number; inputGradient: number; filterGradient: number };
  ms: { forward: number; inputGradient: number; filterGradient: number };
  peakRssMB: number;
}


// ---------------------------------------------------------------------------------------------
// options

interface Options {
  widths: number[];
  rounds: number;
  epochs: number;
  threads: number;
  torch: boolean;
  paths: PathName[] | null;
  out: string | null;
  ops: boolean;
}

function parseOptions(argv: string[]): Options {
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const number = (flag: string, fallback: number): number => {
    const v = value(flag);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} needs a positive integer, got '${v}'`);
    return n;
  };
  const widths = (value('--widths') ?? `${PREVIEW_WIDTH},${PAPER_WIDTH}`).split(',').map(Number);
  if (widths.some((w) => !Number.isInteger(w) || w < 1)) throw new Error(`--widths: positive integers, got '${value('--widths')}'`);
  const paths = value('--paths')?.split(',') ?? null;
  if (paths?.some((p) => !(PATH_NAMES as readonly string[]).includes(p))) throw new Error(`--paths: ${PATH_NAMES.join(', ')}`);
  return {
    widths,
    rounds: number('--rounds', 3),
    epochs: number('--epochs', 5),
    threads: number('--threads', availableParallelism()),
    torch: !argv.includes('--no-torch'),
    paths: paths as PathName[] | null,
    out: value('--out') ?? null,
    ops: argv.includes('--ops'),
  };
}

// ---------------------------------------------------------------------------------------------
// child processes

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[s.length >> 1]!;
}

function peakRssMB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

function envFor(path: PathName, threads: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env, LANDSCAPE_BACKEND: 'wasm', LANDSCAPE_NATIVE_THREADS: String(threads), LANDSCAPE_SIMD_THREADS: String(threads),
  };
  // each path asked for explicitly, so that a missing provider fails instead of measuring another
  env.LANDSCAPE_NATIVE = path === 'native' ? '1' : '0';
  env.LANDSCAPE_SIMD = path === 'wasm' ? '1' : '0';
  return env;
}

function runChild(args: string[], env: NodeJS.ProcessEnv): { result: unknown | null; error: string | null } {
  const r = spawnSync(process.execPath, args, { cwd: repoRoot, env, encoding: 'utf8', maxBuffer: 16 << 20 });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith(MARK));
  if (r.status === 0 && line) return { result: JSON.parse(line.slice(MARK.length)), error: null };
  const why = `${r.stderr ?? ''}${r.error ? String(r.error) : ''}`.trim().split('\n').filter(Boolean);
  return { result: null, error: why.find((l) => /Error/.test(l)) ?? why.pop() ?? `exit ${r.status}` };
}

function nodeChild(path: PathName, task: string, width: number, options: Options): ReturnType<typeof runChild> {
  return runChild(
    ['--import', 'tsx', here, '--child', path, task, String(width), String(options.epochs), options.ops ? 'ops' : 'no-ops'],
    envFor(path, options.threads),
  );
}

/** The reference net in PyTorch on this CPU: same batch, images per epoch and threads as ours. */
function torchChild(python: string, mode: 'train' | 'kernels', width: number, options: Options): { result: TorchResult | null; error: string | null } {
  const common = ['--width', String(width), '--batch', String(BATCH), '--threads', String(options.threads), '--device', 'cpu'];
  return mode === 'train'
    ? runTorchReference(python, ['train', ...common, '--images', String(IMAGES), '--epochs', String(options.epochs)])
    : runTorchReference(python, ['kernels', ...common, '--repeats', String(Math.max(options.epochs, 5) * 4)]);
}

// ---------------------------------------------------------------------------------------------
// what a child measures

async function childMain(path: PathName, task: string, width: number, epochs: number, ops: boolean): Promise<void> {
  const tf = await import('@tensorflow/tfjs');
  const { initEngine } = await import('../pipeline/engine/backend.ts');
  const info = await initEngine();
  if (task === 'probe') {
    console.log(MARK + JSON.stringify(info));
    return;
  }
  if (task === 'kernels') {
    const result = measureKernels(tf, width, epochs);
    console.log(MARK + JSON.stringify({ kind: 'kernels', path, threads: threadsOf(info.kernels), ...result, peakRssMB: peakRssMB() }));
    return;
  }
  const { Net } = await import('../pipeline/engine/model.ts');
  const { initWeights } = await import('../pipeline/engine/net.ts');
  const { Rng } = await import('../pipeline/engine/random.ts');
  const { sgdEpoch } = await import('../pipeline/engine/train.ts');
  const rng = new Rng('bench-data');
  const split = { images: rng.normalArray(IMAGES * 3072), labels: Int32Array.from({ length: IMAGES }, () => rng.int(10)), count: IMAGES };
  const order = new Rng('bench-order').permutation(IMAGES);
  const start = tf.memory().numTensors;
  const net = new Net(width, initWeights(width, new Rng('bench-weights', width)));
  const afterNet = tf.memory().numTensors;
  await sgdEpoch(net, split, 0.01, BATCH, order); // warm-up
  const epochSeconds: number[] = [];
  for (let e = 0; e < epochs; e++) {
    const t = performance.now();
    await sgdEpoch(net, split, 0.01, BATCH, order);
    epochSeconds.push((performance.now() - t) / 1000);
  }
  const afterTraining = tf.memory().numTensors;
  let perOp: Record<string, number> | undefined;
  if (ops) {
    // kernel time per step of one profiled epoch; what is left of the step is JS (tape, tidy, data)
    const steps = IMAGES / BATCH;
    const profile = await tf.profile(async () => {
      await sgdEpoch(net, split, 0.01, BATCH, order);
    });
    const byKernel = new Map<string, number>();
    for (const k of profile.kernels) byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + Number(k.kernelTimeMs) / steps);
    const kernelTotal = [...byKernel.values()].reduce((a, b) => a + b, 0);
    perOp = Object.fromEntries([...byKernel].sort((a, b) => b[1] - a[1]));
    perOp['(not in kernels: JS, tape, data)'] = Math.max(0, (median(epochSeconds) * 1000) / steps - kernelTotal);
  }
  net.dispose();
  const result: TrainResult = {
    kind: 'train', path, width, threads: threadsOf(info.kernels), kernels: info.kernels ?? 'unknown',
    imagesPerSecond: IMAGES / median(epochSeconds), epochSeconds,
    tensors: { start, afterNet, afterTraining, afterDispose: tf.memory().numTensors }, peakRssMB: peakRssMB(), notes: info.notes,
    ...(perOp ? { ops: perOp } : {}),
  };
  console.log(MARK + JSON.stringify(result));
}

function threadsOf(kernels: string | undefined): number {
  if (kernels === 'native-openblas') return Number(process.env.LANDSCAPE_NATIVE_THREADS ?? availableParallelism());
  if (kernels === 'wasm-simd') return Number(process.env.LANDSCAPE_SIMD_THREADS ?? availableParallelism());
  return 1;
}

/** Conv forward and both gradients of the paper net's second layer (16x16xW -> 8x8xW, 3x3, stride 2). */
function measureKernels(tf: typeof import('@tensorflow/tfjs'), width: number, epochs: number): Omit<KernelResult, 'kind' | 'path' | 'threads' | 'peakRssMB'> {
  const xShape: [number, number, number, number] = [BATCH, 16, 16, width];
  const fShape: [number, number, number, number] = [3, 3, width, width];
  const x = tf.randomNormal(xShape) as import('@tensorflow/tfjs').Tensor4D;
  const f = tf.randomNormal(fShape) as import('@tensorflow/tfjs').Tensor4D;
  const y = tf.conv2d(x, f, 2, 'same');
  const dy = tf.randomNormal(y.shape);
  const flops = 2 * y.size * 9 * width;
  const attrs = { strides: 2, pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined };
  const fns = {
    forward: () => tf.conv2d(x, f, 2, 'same'),
    inputGradient: () => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: f }, { ...attrs, inputShape: xShape } as unknown as import('@tensorflow/tfjs').NamedAttrMap) as import('@tensorflow/tfjs').Tensor,
    filterGradient: () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: fShape } as unknown as import('@tensorflow/tfjs').NamedAttrMap) as import('@tensorflow/tfjs').Tensor,
  };
  const ms = { forward: 0, inputGradient: 0, filterGradient: 0 };
  const gflops = { ...ms };
  for (const name of Object.keys(fns) as (keyof typeof fns)[]) {
    tf.dispose(fns[name]());
    const times: number[] = [];
    for (let i = 0; i < Math.max(epochs, 5) * 4; i++) {
      const t = performance.now();
      const out = fns[name](); // the wasm backend computes synchronously: no read-back needed
      times.push(performance.now() - t);
      out.dispose();
    }
    ms[name] = median(times);
    gflops[name] = flops / (ms[name] / 1000) / 1e9;
  }
  tf.dispose([x, f, y, dy]);
  return { layer: `${BATCH}x16x16x${width} -> ${BATCH}x8x8x${width}, 3x3 stride 2`, gflops, ms };
}

// ---------------------------------------------------------------------------------------------
// the parent: rounds, table, JSON

interface Row {
  path: string;
  width: number;
  threads: number;
  imagesPerSecond: number;
  rounds: number[];
  ratio: number | null;
  peakRssMB: number;
  tensors: string;
  leak: boolean;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => pad(c, widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

async function parentMain(options: Options): Promise<void> {
  const started = new Date();
  const load = [loadavg()];
  const notes: string[] = [];
  // which paths this machine has
  const probe = nodeChild('native', 'probe', PAPER_WIDTH, options);
  const nativeInfo = probe.result as { notes: string[] } | null;
  const simdProbe = nodeChild('wasm', 'probe', PAPER_WIDTH, options);
  const available: PathName[] = ['xnnpack'];
  if (simdProbe.result) available.unshift('wasm');
  else notes.push(`SIMD wasm kernels not available: ${simdProbe.error}`);
  if (nativeInfo) available.unshift('native');
  else notes.push(`native path not available: ${probe.error}`);
  const paths = options.paths ? available.filter((p) => options.paths!.includes(p)) : available;
  const python = options.torch ? torchPython().python : null;
  if (options.torch && !python) notes.push('PyTorch reference skipped: no python3 with torch (Debian: apt-get install python3-torch)');

  console.log(`landscape bench: ${cpus()[0]?.model ?? 'cpu'} x${availableParallelism()}, threads ${options.threads}, ` +
    `widths ${options.widths.join(', ')}, batch ${BATCH}, ${IMAGES} images/epoch, ${options.epochs} epochs x ${options.rounds} rounds`);
  if (nativeInfo) console.log(`native: ${nativeInfo.notes.join('; ')}`);

  const train: Record<string, TrainResult[]> = {};
  const torchTrain: Record<number, TorchResult[]> = {};
  const kernels: Record<string, KernelResult[]> = {};
  const torchKernels: TorchResult[] = [];
  const failures: string[] = [];
  for (let round = 0; round < options.rounds; round++) {
    for (const width of options.widths) {
      // rotate who goes first, so that no path always gets the quieter moment
      const turn = [...paths.map((p) => ({ p })), ...(python ? [{ p: 'torch' as const }] : [])];
      const order = turn.map((_, i) => turn[(i + round) % turn.length]!);
      for (const { p } of order) {
        if (p === 'torch') {
          const r = torchChild(python!, 'train', width, options);
          if (r.result) (torchTrain[width] ??= []).push(r.result);
          else failures.push(`torch width ${width}: ${r.error}`);
        } else {
          const r = nodeChild(p, 'train', width, options);
          if (r.result) (train[`${p}@${width}`] ??= []).push(r.result as TrainResult);
          else failures.push(`${p} width ${width}: ${r.error}`);
        }
        process.stdout.write('.');
      }
    }
    for (const p of paths) {
      const r = nodeChild(p, 'kernels', PAPER_WIDTH, options);
      if (r.result) (kernels[p] ??= []).push(r.result as KernelResult);
      else failures.push(`${p} kernels: ${r.error}`);
    }
    if (python) {
      const r = torchChild(python, 'kernels', PAPER_WIDTH, options);
      if (r.result) torchKernels.push(r.result);
      else failures.push(`torch kernels: ${r.error}`);
    }
    process.stdout.write('.');
  }
  process.stdout.write('\n');
  load.push(loadavg());

  const rows: Row[] = [];
  const torchRate = (width: number) => median((torchTrain[width] ?? []).map((r) => r.imagesPerSecond!));
  for (const width of options.widths) {
    for (const p of paths) {
      const results = train[`${p}@${width}`] ?? [];
      if (results.length === 0) continue;
      const rate = median(results.map((r) => r.imagesPerSecond));
      const t = torchRate(width);
      const last = results[results.length - 1]!.tensors;
      rows.push({
        path: PATH_LABELS[p],
        width, threads: results[0]!.threads, imagesPerSecond: rate, rounds: results.map((r) => r.imagesPerSecond),
        ratio: Number.isFinite(t) ? rate / t : null, peakRssMB: Math.max(...results.map((r) => r.peakRssMB)),
        tensors: `${last.afterNet} -> ${last.afterTraining} (start ${last.start}, after dispose ${last.afterDispose})`,
        leak: results.some((r) => r.tensors.afterTraining !== r.tensors.afterNet || r.tensors.afterDispose !== r.tensors.start),
      });
    }
    const t = torchTrain[width];
    if (t?.length) {
      rows.push({
        path: `PyTorch ${t[0]!.torch} CPU`, width, threads: t[0]!.threads, imagesPerSecond: torchRate(width),
        rounds: t.map((r) => r.imagesPerSecond!), ratio: 1, peakRssMB: Math.max(...t.map((r) => r.peakRssMB)), tensors: '-', leak: false,
      });
    }
  }

  const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
  console.log('\nTraining throughput of the paper net (batch 100), median over rounds:\n');
  console.log(table(
    ['path', 'width', 'threads', 'images/s', 'x PyTorch', 'rounds (images/s)', 'peak RSS MB', 'tensors alive before -> after', 'leak'],
    rows.map((r) => [r.path, String(r.width), String(r.threads), fmt(r.imagesPerSecond), r.ratio === null ? '-' : fmt(r.ratio, 2),
      r.rounds.map((x) => fmt(x)).join(' '), fmt(r.peakRssMB), r.tensors, r.leak ? 'LEAK' : 'no']),
  ));
  const kernelRows: string[][] = [];
  const kernelSummary: Record<string, { gflops: KernelResult['gflops']; ms: KernelResult['ms']; threads: number }> = {};
  const medianOf = (list: { gflops?: KernelResult['gflops']; ms?: KernelResult['ms'] }[], key: keyof KernelResult['gflops']) => ({
    gflops: median(list.map((k) => k.gflops![key])), ms: median(list.map((k) => k.ms![key])),
  });
  const addKernelRow = (name: string, list: { gflops?: KernelResult['gflops']; ms?: KernelResult['ms'] }[], threads: number) => {
    const f = medianOf(list, 'forward'), i = medianOf(list, 'inputGradient'), w = medianOf(list, 'filterGradient');
    kernelSummary[name] = { gflops: { forward: f.gflops, inputGradient: i.gflops, filterGradient: w.gflops }, ms: { forward: f.ms, inputGradient: i.ms, filterGradient: w.ms }, threads };
    kernelRows.push([name, String(threads), `${fmt(f.gflops, 1)} (${fmt(f.ms, 2)} ms)`, `${fmt(i.gflops, 1)} (${fmt(i.ms, 2)} ms)`, `${fmt(w.gflops, 1)} (${fmt(w.ms, 2)} ms)`]);
  };
  for (const p of Object.keys(kernels)) addKernelRow(PATH_LABELS[p as PathName], kernels[p]!, kernels[p]![0]!.threads);
  if (torchKernels.length) addKernelRow(`PyTorch ${torchKernels[0]!.torch}`, torchKernels, torchKernels[0]!.threads);
  if (kernelRows.length) {
    console.log(`\nConv kernels, GFLOP/s (median ms), layer ${BATCH}x16x16x${PAPER_WIDTH} -> ${BATCH}x8x8x${PAPER_WIDTH}, 3x3, stride 2:\n`);
    console.log(table(['path', 'threads', 'forward', 'input gradient', 'filter gradient'], kernelRows));
  }
  if (options.ops) {
    console.log('\nWhere a training step goes (ms per step of 100 images, one profiled epoch, last round):');
    for (const width of options.widths) {
      for (const p of paths) {
        const results = train[`${p}@${width}`] ?? [];
        const ops = results[results.length - 1]?.ops;
        if (!ops) continue;
        const top = Object.entries(ops).filter(([, ms]) => ms >= 0.05);
        console.log(`  ${p} width ${width}: ${top.map(([name, ms]) => `${name} ${ms.toFixed(2)}`).join(', ')}`);
      }
    }
  }
  const loadLine = `load average (1, 5, 15 min): before ${load[0]!.map((l) => l.toFixed(2)).join(' ')}, after ${load[1]!.map((l) => l.toFixed(2)).join(' ')}`;
  console.log(`\n${loadLine}`);
  for (const n of [...notes, ...failures.map((f) => `failed: ${f}`)]) console.log(n);

  const json = {
    started: started.toISOString(), seconds: (Date.now() - started.getTime()) / 1000,
    machine: { cpu: cpus()[0]?.model ?? null, cores: availableParallelism(), load }, options,
    nativeNotes: nativeInfo?.notes ?? null, train: rows, trainRaw: train, torchRaw: torchTrain, kernels: kernelSummary,
    kernelsRaw: kernels, torchKernelsRaw: torchKernels, notes, failures,
  };
  const out = options.out ?? join(repoRoot, 'bench-results', `bench-${started.toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(json, null, 2)}\n`);
  console.log(`JSON: ${relative(process.cwd(), out)}`);
  if (failures.length) process.exitCode = 1;
}

const childIndex = process.argv.indexOf('--child');
if (childIndex >= 0) {
  const [path, task, width, epochs, ops] = process.argv.slice(childIndex + 1);
  await childMain(path as PathName, task!, Number(width), Number(epochs), ops === 'ops');
} else if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(`Usage: npm run bench -- [options]

Training images/s of the paper's net (batch 100) on each engine path available here, beside
PyTorch on the same CPU when python3 has torch; conv kernel GFLOP/s; peak RSS; a leak check.

Options
  --widths <list>     net widths to train (default ${PREVIEW_WIDTH},${PAPER_WIDTH}: the preview and paper nets)
  --rounds <n>        rounds, each path and PyTorch taking turns (default 3; medians reported)
  --epochs <n>        epochs of ${IMAGES} images per measurement (default 5)
  --threads <n>       threads for the native and SIMD kernels and PyTorch (default: all cores)
  --paths <list>      native, wasm (npm-only, SIMD kernels), xnnpack (npm-only, the wasm
                      backend's own kernels) (default: those available)
  --no-torch          skip the PyTorch reference
  --ops               add a kernel-by-kernel breakdown of a training step
  --out <file>        where the JSON goes (default bench-results/bench-<time>.json)
`);
} else {
  try {
    await parentMain(parseOptions(process.argv.slice(2)));
  } catch (error) {
    console.error(`bench: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
