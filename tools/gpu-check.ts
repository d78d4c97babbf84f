// npm run gpu-check: one self-contained check of a GPU machine, offline, in under 5 minutes.
//
//   npm run gpu-check -- [--software] [--batches 100,1000] [--budget 270] [--no-torch] [--out FILE]
//
// 1. the machine: GPUs (nvidia-smi), driver, libvulkan, the Vulkan driver manifests (ICDs); on an
//    NVIDIA machine VK_DRIVER_FILES is pointed at NVIDIA's manifest when it is not set, so Dawn
//    cannot quietly take a software driver instead;
// 2. the WebGPU adapter Dawn gives (a software one fails the check unless --software, which is for
//    trying the check itself on a machine without a GPU; on an NVIDIA machine the vendor must be
//    nvidia);
// 3. gradients of the paper net (width 80) on webgpu against the wasm path;
// 4. training images/s of the paper net (width 80, plain SGD as in train.ts) at batch 100 and
//    1000 on webgpu, on tensorflow when tfjs-node(-gpu) is installed, and in PyTorch (CUDA when
//    it has it; tools/torch_reference.py, the same net) when `python3 -c "import torch"` works,
//    with the ratio webgpu / PyTorch.
//
// Each measurement runs in its own child process (this same file with --child), bounded by what
// is left of the time budget. Exit code: 0 all passed, 1 a check failed, 2 no usable adapter.
// Results: a summary on stdout and JSON under bench-results/ (or --out).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, platform, release } from 'node:os';
import { delimiter, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  adapterLabel,
  DAWN_PACKAGE,
  gpuDeviceNodes,
  nvidiaSmi,
  packageVersion,
  probeAdapter,
  vulkanIcds,
  webgpuAttempt,
  WEBGPU_BACKEND_PACKAGE,
  type AdapterFound,
} from '../pipeline/engine/gpu-probe.ts';
import { NATIVE_PACKAGES } from '../pipeline/engine/fingerprint.ts';
import { relativeError } from '../pipeline/engine/kernel-swap.ts';
import { runTorchReference, torchPython } from './torch-reference.ts';

const here = fileURLToPath(import.meta.url);
const repoRoot = join(dirname(here), '..');
const MARK = 'GPU-CHECK ';
const WIDTH = 80;
const GRADIENT_TOLERANCE = 1e-3;

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

// ---------------------------------------------------------------------------------------------
// the children: gradients and training on one backend

/** Random images (normal) and labels, deterministic. */
async function randomSplit(count: number, seed: string) {
  const { Rng } = await import('../pipeline/engine/random.ts');
  const rng = new Rng(seed);
  return { images: rng.normalArray(count * 3072), labels: Int32Array.from({ length: count }, () => rng.int(10)), count };
}

/** Loss and every gradient of the paper net, on the active backend, as host arrays. */
async function netGradients(images: Float32Array, labels: Int32Array): Promise<Float32Array[]> {
  const { Net, lossAndGradients } = await import('../pipeline/engine/model.ts');
  const { initWeights } = await import('../pipeline/engine/net.ts');
  const { Rng } = await import('../pipeline/engine/random.ts');
  const net = new Net(WIDTH, initWeights(WIDTH, new Rng('gpu-check-weights')));
  try {
    const { loss, gradients } = await lossAndGradients(net, images, labels);
    return [Float32Array.of(loss), ...gradients];
  } finally {
    net.dispose();
  }
}

async function childGradients(): Promise<void> {
  const tf = await import('@tensorflow/tfjs');
  const { initEngine, loadWasm } = await import('../pipeline/engine/backend.ts');
  const info = await initEngine();
  const n = 16;
  const data = await randomSplit(n, 'gpu-check-gradients');
  const gpu = await netGradients(data.images, data.labels);
  await loadWasm();
  if (tf.getBackend() !== 'wasm') throw new Error('the wasm reference did not load');
  const ref = await netGradients(data.images, data.labels);
  const errors = gpu.map((g, i) => relativeError(g, ref[i]!));
  console.log(MARK + JSON.stringify({ engine: info.backend, adapter: info.adapter, errors }));
}

async function childTrain(batch: number, seconds: number): Promise<void> {
  const { initEngine } = await import('../pipeline/engine/backend.ts');
  const { Net } = await import('../pipeline/engine/model.ts');
  const { initWeights } = await import('../pipeline/engine/net.ts');
  const { Rng } = await import('../pipeline/engine/random.ts');
  const { sgdEpoch } = await import('../pipeline/engine/train.ts');
  const info = await initEngine();
  const net = new Net(WIDTH, initWeights(WIDTH, new Rng('gpu-check-train')));
  const one = await randomSplit(batch, 'gpu-check-one');
  const identity = Int32Array.from({ length: batch }, (_, i) => i);
  // warm-up (shader compilation, allocations), then one timed step to size the measurement
  await sgdEpoch(net, one, 0.01, batch, identity);
  let t = performance.now();
  await sgdEpoch(net, one, 0.01, batch, identity);
  const stepSeconds = (performance.now() - t) / 1000;
  const device = info.adapter ? adapterLabel(info.adapter) : info.provider;
  if (stepSeconds >= seconds / 2) {
    // a slow device (a software adapter): that step is the measurement
    net.dispose();
    console.log(MARK + JSON.stringify({ engine: info.backend, batch, steps: 1, seconds: stepSeconds, imagesPerSecond: batch / stepSeconds, device }));
    return;
  }
  // epochs of up to 20 steps (one read-back at the end of each, as in training), repeated while
  // another one fits in `seconds`
  const perEpoch = Math.max(1, Math.min(20, Math.round(seconds / Math.max(stepSeconds, 1e-3))));
  const split = perEpoch === 1 ? one : await randomSplit(batch * perEpoch, 'gpu-check-many');
  const order = Int32Array.from({ length: split.count }, (_, i) => i);
  let epochs = 0;
  let elapsed = 0;
  t = performance.now();
  do {
    await sgdEpoch(net, split, 0.01, batch, order);
    epochs++;
    elapsed = (performance.now() - t) / 1000;
  } while (elapsed * (1 + 1 / epochs) <= seconds && epochs < 10_000);
  net.dispose();
  const steps = epochs * perEpoch;
  console.log(MARK + JSON.stringify({ engine: info.backend, batch, steps, seconds: elapsed, imagesPerSecond: (steps * batch) / elapsed, device }));
}

// ---------------------------------------------------------------------------------------------
// PyTorch: tools/torch_reference.py (the same net), on CUDA when torch has it, timed the same way
// (warm-up, then whole steps, synchronised), one batch of random images

function torchMeasure(python: string, batch: number, seconds: number, timeout: number): { result: TrainMeasure | null; error: string | null } {
  const args = ['train', '--width', String(WIDTH), '--batch', String(batch), '--seconds', String(seconds), '--device', 'auto'];
  const { result, error } = runTorchReference(python, args, { timeoutSeconds: timeout });
  if (!result) return { result: null, error };
  const { steps = 0, seconds: took = 0, imagesPerSecond = 0, device } = result;
  return { result: { engine: 'pytorch', batch, steps, seconds: took, imagesPerSecond, device }, error: null };
}

// ---------------------------------------------------------------------------------------------
// the parent

function parseOptions(argv: string[]): Options {
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const batches = (value('--batches') ?? '100,1000').split(',').map(Number);
  if (!batches.every((b) => Number.isInteger(b) && b > 0)) throw new Error('--batches needs whole numbers, e.g. 100,1000');
  const budget = Number(value('--budget') ?? 270);
  if (!(budget > 30)) throw new Error('--budget needs seconds, more than 30');
  return { software: argv.includes('--software'), batches, budget, torch: !argv.includes('--no-torch'), out: value('--out') ?? null };
}

const started = performance.now();
function elapsed(): number {
  return (performance.now() - started) / 1000;
}

function line(label: string, text: string): void {
  console.log(`  ${label.padEnd(14)} ${text}`);
}

function run(command: string, args: string[], timeoutSeconds: number, env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: Math.round(Math.max(5, timeoutSeconds) * 1000), env, cwd: repoRoot, maxBuffer: 16 * 2 ** 20 });
  const found = (r.stdout ?? '').split('\n').find((l) => l.startsWith(MARK));
  return { result: found ? (JSON.parse(found.slice(MARK.length)) as Record<string, unknown>) : null, r };
}

function failureOf(r: ReturnType<typeof spawnSync>): string {
  if (r.error) return r.error.message;
  if (r.signal) return `killed by ${r.signal} (time limit)`;
  const err = String(r.stderr ?? '').split('\n').filter((l) => l.trim() && !/artificially reduced/.test(l));
  return `exit ${r.status}: ${err.slice(-3).join(' | ') || 'no output'}`;
}

/** Where libvulkan.so.1 would be loaded from (the linker cache and LD_LIBRARY_PATH). */
function libvulkan(): string | null {
  for (const dir of (process.env.LD_LIBRARY_PATH ?? '').split(delimiter).filter(Boolean)) {
    if (existsSync(join(dir, 'libvulkan.so.1'))) return join(dir, 'libvulkan.so.1');
  }
  for (const ldconfig of ['/sbin/ldconfig', '/usr/sbin/ldconfig', 'ldconfig']) {
    const r = spawnSync(ldconfig, ['-p'], { encoding: 'utf8' });
    if (r.status !== 0) continue;
    const hit = r.stdout.split('\n').find((l) => l.includes('libvulkan.so.1'));
    return hit ? hit.split('=>').pop()!.trim() : null;
  }
  return null;
}

function machine(): { nvidia: boolean; gpus: string[] } {
  console.log('machine');
  line('system', `${platform()} ${release()}, ${cpus()[0]?.model ?? 'unknown CPU'} x ${cpus().length}, Node ${process.version}`);
  line('packages', [WEBGPU_BACKEND_PACKAGE, DAWN_PACKAGE, '@tensorflow/tfjs', ...NATIVE_PACKAGES].map((p) => `${p}@${packageVersion(p) ?? '-'}`).join(', '));
  const gpus: string[] = [];
  const smi = nvidiaSmi();
  if (smi) {
    const r = spawnSync(smi, ['--query-gpu=index,name,driver_version,memory.total', '--format=csv,noheader'], { encoding: 'utf8', timeout: 20_000 });
    if (r.status === 0) gpus.push(...r.stdout.split('\n').map((l) => l.trim()).filter(Boolean));
    else line('nvidia-smi', `failed: ${failureOf(r)}`);
  }
  const nodes = gpuDeviceNodes();
  const nvidia = gpus.length > 0 || nodes.some((n) => /nvidia\d+$/.test(n));
  if (gpus.length) gpus.forEach((g) => line('GPU', `${g} (index, name, driver, memory)`));
  else line('GPU', nvidia ? 'NVIDIA device nodes, but no nvidia-smi answer' : 'no NVIDIA GPU seen (no nvidia-smi, no /dev/nvidia*)');
  line('device nodes', nodes.join(', ') || 'none');
  if (platform() === 'linux') {
    line('libvulkan', libvulkan() ?? 'libvulkan.so.1 not found (Debian: libvulkan1; or carry it, see the README)');
    // on an NVIDIA machine, only NVIDIA's driver: never a software one picked instead
    if (nvidia && !process.env.VK_DRIVER_FILES && !process.env.VK_ICD_FILENAMES) {
      const icd = vulkanIcds().manifests.find((m) => /nvidia/i.test(m.file));
      if (icd) {
        process.env.VK_DRIVER_FILES = icd.file;
        line('VK_DRIVER_FILES', `${icd.file} (set by this check: NVIDIA's driver only)`);
      }
    }
    const { source, manifests } = vulkanIcds();
    if (!manifests.length) line('Vulkan ICDs', `none (from ${source})`);
    for (const m of manifests) line('Vulkan ICD', `${m.file} -> ${m.library ?? (existsSync(m.file) ? 'unreadable' : 'missing')} (from ${source})`);
  }
  return { nvidia, gpus };
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
  const torch = measures.filter((m) => m.engine === 'pytorch' && !m.error);
  for (const b of batches) {
    const w = measures.find((m) => m.engine === 'webgpu' && m.batch === b && !m.error);
    const t = torch.find((m) => m.batch === b);
    if (w && t) lines.push(`  batch ${b}: webgpu / PyTorch = ${(w.imagesPerSecond / t.imagesPerSecond).toFixed(3)}`);
  }
  return lines;
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const report: Record<string, unknown> = { startedAt: new Date().toISOString(), options };
  const failures: string[] = [];
  const { nvidia, gpus } = machine();
  report.gpus = gpus;
  if (options.software) process.env.LANDSCAPE_WEBGPU_SOFTWARE = '1';

  console.log('\nWebGPU adapter');
  const probe = probeAdapter();
  const adapter: AdapterFound | null = probe.adapter;
  report.adapter = adapter;
  if (!adapter) {
    line('adapter', 'none');
    for (const m of probe.messages) line('Dawn said', m);
    line('tried', webgpuAttempt());
    if (probe.messages.some((m) => /not installed/.test(m))) {
      console.log(`\nFAIL: no WebGPU adapter: ${probe.messages[0]} (npm ci installs it; carry node_modules/ from a machine that ran it, see the README).`);
    } else {
      console.log('\nFAIL: no WebGPU adapter. On Linux Dawn needs libvulkan.so.1 and the GPU driver\'s Vulkan ICD' +
        ' (NVIDIA: nvidia_icd.json, installed with the driver); see the README, "GPU engines".');
    }
    return 2;
  }
  line('adapter', `${adapterLabel(adapter)}; vendor ${adapter.vendor || '-'}, architecture ${adapter.architecture || '-'}, device ${adapter.device || '-'}`);
  line('driver', adapter.description || '-');
  line('probe', `${probe.seconds.toFixed(2)} s`);
  if (adapter.software && !options.software) {
    console.log(`\nFAIL: only a software adapter (${adapterLabel(adapter)}): no GPU is in use. Run with --software to try this check on it anyway.`);
    return 2;
  }
  if (nvidia && adapter.vendor !== 'nvidia') {
    console.log(`\nFAIL: this machine has an NVIDIA GPU, but Dawn's adapter is ${adapterLabel(adapter)}: point VK_DRIVER_FILES at NVIDIA's nvidia_icd.json.`);
    return 2;
  }
  if (adapter.software) console.log('  (a software adapter, as asked with --software: the timings below say nothing about a GPU)');

  const child = (args: string[], backend: string, timeout: number) =>
    run(process.execPath, ['--import', 'tsx', here, '--child', ...args], timeout, { ...process.env, LANDSCAPE_BACKEND: backend });
  const left = () => options.budget - elapsed();
  const ourMeasure = (engine: string, batch: number, seconds: number, timeout: number) => {
    const { result, r } = child(['train', String(batch), String(seconds)], engine, timeout);
    return { result: result as TrainMeasure | null, error: result ? null : failureOf(r) };
  };

  console.log('\ngradients (paper net, width 80, 16 images): webgpu against the wasm path');
  {
    const { result, r } = child(['gradients'], 'webgpu', Math.min(120, left()));
    if (!result) {
      failures.push(`gradients: ${failureOf(r)}`);
      line('result', `failed: ${failureOf(r)}`);
    } else {
      const errors = result.errors as number[];
      const worst = Math.max(...errors);
      report.gradients = { errors, worst };
      line('loss', `relative difference ${errors[0]!.toExponential(2)}`);
      line('gradients', errors.slice(1).map((e, i) => `${i === 5 ? 'bias' : `layer ${i + 1}`} ${e.toExponential(2)}`).join(', '));
      line('verdict', worst <= GRADIENT_TOLERANCE ? `pass (worst ${worst.toExponential(2)} <= ${GRADIENT_TOLERANCE})` : `FAIL (worst ${worst.toExponential(2)})`);
      if (worst > GRADIENT_TOLERANCE) failures.push(`gradients differ from the wasm path by ${worst.toExponential(2)}`);
    }
  }

  console.log(`\ntraining throughput (paper net, width ${WIDTH}, plain SGD): images/s`);
  const engines: string[] = ['webgpu'];
  const { predictFingerprint } = await import('../pipeline/engine/fingerprint.ts');
  const tensorflow = (() => {
    try {
      process.env.LANDSCAPE_BACKEND = 'tensorflow';
      return predictFingerprint().backend === 'tensorflow';
    } catch {
      return false;
    } finally {
      delete process.env.LANDSCAPE_BACKEND;
    }
  })();
  if (tensorflow) engines.push('tensorflow');
  else line('tensorflow', 'not installed (tfjs-node-gpu / tfjs-node): skipped');
  let python: string | null = null;
  if (options.torch) {
    const found = torchPython();
    python = found.python;
    if (!python) line('pytorch', `no Python imports torch (tried ${found.tried.join(', ')}): skipped`);
  }
  const torch = python !== null;
  const runs: Array<{ engine: string; batch: number }> = [];
  for (const batch of options.batches) {
    for (const engine of engines) runs.push({ engine, batch });
    if (torch) runs.push({ engine: 'pytorch', batch });
  }
  const measures: TrainMeasure[] = [];
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
    const m = result;
    measures.push(m);
    line(`${engine} ${batch}`, `${m.imagesPerSecond.toFixed(1)} images/s (${m.steps} step${m.steps === 1 ? '' : 's'} in ${m.seconds.toFixed(2)} s) on ${m.device}`);
  });
  report.training = measures;

  console.log('\nsummary');
  for (const l of summarise(measures, options.batches)) console.log(l);
  report.seconds = elapsed();
  report.failures = failures;
  const out = options.out ?? join(repoRoot, 'bench-results', `gpu-check-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(report, null, 1) + '\n');
  console.log(`\n${failures.length ? `FAIL: ${failures.join('; ')}` : 'all checks passed'} in ${elapsed().toFixed(0)} s; results: ${relative(process.cwd(), out)}`);
  return failures.length ? 1 : 0;
}

async function childMain(argv: string[]): Promise<void> {
  const [task, ...rest] = argv;
  if (task === 'gradients') return childGradients();
  if (task === 'train') return childTrain(Number(rest[0]), Number(rest[1]));
  throw new Error(`unknown child task ${task}`);
}

const childAt = process.argv.indexOf('--child');
if (childAt >= 0) {
  childMain(process.argv.slice(childAt + 1)).then(
    () => process.exit(0),
    (error) => {
      console.error((error as Error)?.stack ?? String(error));
      process.exit(1);
    },
  );
} else {
  main().then(
    (code) => process.exit(code),
    (error) => {
      console.error(`gpu-check: ${(error as Error)?.message ?? error}`);
      process.exit(1);
    },
  );
}
