// gpu-check's first section: what the machine has for the GPU path, one line per finding: the
// system and packages, the GPUs (nvidia-smi) and device nodes, the Vulkan loader and its driver
// manifests. On an NVIDIA machine the loader is pointed at NVIDIA's driver alone (vulkan.ts).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, platform, release } from 'node:os';
import { relative } from 'node:path';
import { NATIVE_PACKAGES } from '../pipeline/engine/fingerprint.ts';
import { DAWN_PACKAGE, gpuDeviceNodes, nvidiaSmi, WEBGPU_BACKEND_PACKAGE } from '../pipeline/engine/gpu-probe.ts';
import { findLibrary, useNvidiaVulkanDriver, vulkanIcds } from '../pipeline/engine/vulkan.ts';
import { BUNDLE, packageVersion, ROOT } from '../pipeline/root.ts';

export function line(label: string, text: string): void {
  console.log(`  ${label.padEnd(15)} ${text}`);
}

export interface MachineFacts {
  nvidia: boolean;
  /** nvidia-smi's lines: index, name, driver, memory */
  gpus: string[];
  libvulkan: string | null;
  vkDriverFiles: string | null;
}

export function machine(): MachineFacts {
  console.log('machine');
  line('system', `${platform()} ${release()}, ${cpus()[0]?.model ?? 'unknown CPU'} x ${cpus().length}, Node ${process.version}`);
  line('program', BUNDLE ? `bundle of ${BUNDLE.commit?.slice(0, 12) ?? 'an unknown commit'}${BUNDLE.dirty ? ' (modified)' : ''}, built ${BUNDLE.builtAt}` : 'the repository');
  line('packages', [WEBGPU_BACKEND_PACKAGE, DAWN_PACKAGE, '@tensorflow/tfjs', ...NATIVE_PACKAGES].map((p) => `${p}@${packageVersion(p) ?? '-'}`).join(', '));
  const gpus: string[] = [];
  const smi = nvidiaSmi();
  if (smi) {
    const r = spawnSync(smi, ['--query-gpu=index,name,driver_version,memory.total', '--format=csv,noheader'], { encoding: 'utf8', timeout: 20_000 });
    if (r.status === 0) gpus.push(...r.stdout.split('\n').map((l) => l.trim()).filter(Boolean));
    else line('nvidia-smi', `failed: ${r.error?.message ?? (r.stderr || `exit ${r.status}`).trim().split('\n')[0]}`);
  }
  const nodes = gpuDeviceNodes();
  const nvidia = gpus.length > 0 || nodes.some((n) => /nvidia\d+$/.test(n));
  if (gpus.length) gpus.forEach((g) => line('GPU', `${g} (index, name, driver, memory)`));
  else line('GPU', nvidia ? 'NVIDIA device nodes, but no nvidia-smi answer' : 'no NVIDIA GPU seen (no nvidia-smi, no /dev/nvidia*)');
  line('device nodes', nodes.join(', ') || 'none');
  let libvulkan: string | null = null;
  if (platform() === 'linux') {
    libvulkan = findLibrary('libvulkan.so.1');
    const carried = libvulkan && !relative(ROOT, libvulkan).startsWith('..') ? " (the bundle's own)" : '';
    line('libvulkan', libvulkan ? `${libvulkan}${carried}` : 'libvulkan.so.1 not found (Debian: libvulkan1; the bundle carries one)');
    // on an NVIDIA machine, only NVIDIA's driver: never a software one picked instead
    if (nvidia) {
      const set = useNvidiaVulkanDriver();
      if (set) line('VK_DRIVER_FILES', `${set}, set by this check`);
    }
    const { source, manifests } = vulkanIcds();
    if (!manifests.length) line('Vulkan ICDs', `none (from ${source})`);
    for (const m of manifests) line('Vulkan ICD', `${m.file} -> ${m.library ?? (existsSync(m.file) ? 'unreadable' : 'missing')} (from ${source})`);
  }
  return { nvidia, gpus, libvulkan, vkDriverFiles: process.env.VK_DRIVER_FILES ?? null };
}
