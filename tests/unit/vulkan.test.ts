// On an NVIDIA machine the Vulkan loader is pointed at NVIDIA's driver alone: its manifest where
// the driver installed one, else a manifest written for its library (containers often have the
// library without the manifest); never over a VK_DRIVER_FILES the user set.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findLibrary, useNvidiaVulkanDriver } from '../../pipeline/engine/vulkan.ts';

const scratch = mkdtempSync(join(tmpdir(), 'landscape-vulkan-test-'));
const saved = { ...process.env };
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
// a machine with NVIDIA's driver under /etc has its own manifest, which this test cannot hide
const systemNvidia = ['/etc/vulkan/icd.d/nvidia_icd.json'].some(existsSync);

beforeEach(() => {
  for (const name of ['VK_DRIVER_FILES', 'VK_ICD_FILENAMES']) delete process.env[name];
  const empty = join(scratch, 'empty');
  mkdirSync(empty, { recursive: true });
  Object.assign(process.env, { XDG_CONFIG_DIRS: empty, XDG_DATA_DIRS: empty, XDG_DATA_HOME: empty, TMPDIR: join(scratch, 'tmp') });
  mkdirSync(join(scratch, 'tmp'), { recursive: true });
});
afterEach(() => {
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
});

describe.skipIf(process.platform !== 'linux' || systemNvidia)("NVIDIA's Vulkan driver", () => {
  it("takes NVIDIA's manifest where the driver installed one", () => {
    const icd = join(scratch, 'share', 'vulkan', 'icd.d');
    mkdirSync(icd, { recursive: true });
    writeFileSync(join(icd, 'nvidia_icd.json'), JSON.stringify({ ICD: { library_path: 'libGLX_nvidia.so.0' } }));
    writeFileSync(join(icd, 'lvp_icd.json'), JSON.stringify({ ICD: { library_path: 'libvulkan_lvp.so' } }));
    process.env.XDG_DATA_DIRS = join(scratch, 'share');
    expect(useNvidiaVulkanDriver()).toMatch(/nvidia_icd\.json \(NVIDIA's driver only\)$/);
    expect(process.env.VK_DRIVER_FILES).toBe(join(icd, 'nvidia_icd.json'));
  });

  it('writes a manifest for its library where there is none', () => {
    const libs = join(scratch, 'lib');
    mkdirSync(libs, { recursive: true });
    writeFileSync(join(libs, 'libGLX_nvidia.so.0'), '');
    process.env.LD_LIBRARY_PATH = libs;
    expect(findLibrary('libGLX_nvidia.so.0')).toBe(join(libs, 'libGLX_nvidia.so.0'));
    expect(useNvidiaVulkanDriver()).toMatch(/written for .*libGLX_nvidia\.so\.0: the driver installed no manifest/);
    const manifest = JSON.parse(readFileSync(process.env.VK_DRIVER_FILES!, 'utf8')) as { ICD: { library_path: string } };
    expect(manifest.ICD.library_path).toBe(join(libs, 'libGLX_nvidia.so.0'));
  });

  it('leaves a VK_DRIVER_FILES that is set, and does nothing without the driver', () => {
    process.env.VK_DRIVER_FILES = '/somewhere/my_icd.json';
    expect(useNvidiaVulkanDriver()).toBeNull();
    expect(process.env.VK_DRIVER_FILES).toBe('/somewhere/my_icd.json');
    delete process.env.VK_DRIVER_FILES;
    process.env.LD_LIBRARY_PATH = join(scratch, 'empty');
    if (findLibrary('libGLX_nvidia.so.0') === null) expect(useNvidiaVulkanDriver()).toBeNull();
  });
});
