// Vulkan on Linux, as Dawn meets it: the loader (libvulkan.so.1), the driver manifests (ICDs) it
// would read, and NVIDIA's driver. For messages, gpu-check and the bundle's commands.
//
// On a machine with an NVIDIA GPU the loader is pointed at NVIDIA's driver alone
// (useNvidiaVulkanDriver), so that Dawn can never take a software driver (lavapipe) in its place
// without a word: NVIDIA's own manifest where the driver installed one, else one written here
// for its library; containers often get the driver's libraries without the manifest.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** The folders the Vulkan loader searches for driver manifests (its documented defaults on Linux). */
export function vulkanIcdDirs(): string[] {
  const configDirs = (process.env.XDG_CONFIG_DIRS || '/etc/xdg').split(':');
  const dataDirs = (process.env.XDG_DATA_DIRS || '/usr/local/share:/usr/share').split(':');
  const home = process.env.XDG_DATA_HOME || (process.env.HOME ? join(process.env.HOME, '.local', 'share') : '');
  return [...configDirs, '/etc', ...(home ? [home] : []), ...dataDirs].filter(Boolean).map((d) => join(d, 'vulkan', 'icd.d'));
}

export interface IcdManifest {
  file: string;
  library: string | null;
}

/** Driver manifests: the ones VK_DRIVER_FILES / VK_ICD_FILENAMES name, else those in the search folders. */
export function vulkanIcds(): { source: string; manifests: IcdManifest[] } {
  const forced = process.env.VK_DRIVER_FILES || process.env.VK_ICD_FILENAMES;
  const files: string[] = [];
  let source: string;
  if (forced) {
    source = process.env.VK_DRIVER_FILES ? 'VK_DRIVER_FILES' : 'VK_ICD_FILENAMES';
    files.push(...forced.split(':').filter(Boolean));
  } else {
    source = 'the loader search folders';
    for (const dir of vulkanIcdDirs()) {
      try {
        for (const name of readdirSync(dir).sort()) if (name.endsWith('.json')) files.push(join(dir, name));
      } catch {
        // folder absent
      }
    }
  }
  const manifests = files.map((file) => {
    try {
      const json = JSON.parse(readFileSync(file, 'utf8')) as { ICD?: { library_path?: string } };
      return { file, library: json.ICD?.library_path ?? null };
    } catch {
      return { file, library: null };
    }
  });
  return { source, manifests };
}

/** The library folders of the dynamic linker that a search without its cache would try (x86-64 and arm64 Debian/Ubuntu, RHEL and others). */
const SYSTEM_LIBRARY_DIRS = ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib/aarch64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/lib64', '/usr/lib64', '/lib', '/usr/lib'];

/**
 * Where the dynamic linker would find a library by its name: LD_LIBRARY_PATH, then its cache
 * (ldconfig -p), then the usual folders; null when nowhere.
 */
export function findLibrary(name: string): string | null {
  for (const dir of (process.env.LD_LIBRARY_PATH ?? '').split(delimiter).filter(Boolean)) {
    if (existsSync(join(dir, name))) return join(dir, name);
  }
  for (const ldconfig of ['/sbin/ldconfig', '/usr/sbin/ldconfig', 'ldconfig']) {
    const r = spawnSync(ldconfig, ['-p'], { encoding: 'utf8' });
    if (r.status !== 0) continue;
    const hit = r.stdout.split('\n').find((l) => l.trim().startsWith(`${name} `));
    if (hit) return hit.split('=>').pop()!.trim();
    break;
  }
  return SYSTEM_LIBRARY_DIRS.map((dir) => join(dir, name)).find((file) => existsSync(file)) ?? null;
}

/** NVIDIA's Vulkan driver is part of its GLX library. */
const NVIDIA_VULKAN_LIBRARY = 'libGLX_nvidia.so.0';

/**
 * With VK_DRIVER_FILES and VK_ICD_FILENAMES unset, sets VK_DRIVER_FILES to NVIDIA's manifest, or
 * to one written for NVIDIA's library when the driver has none; for this process and the ones it
 * starts. Call only on a machine with an NVIDIA GPU. Returns one line saying what it did, or null.
 */
export function useNvidiaVulkanDriver(): string | null {
  if (process.env.VK_DRIVER_FILES || process.env.VK_ICD_FILENAMES) return null;
  const icd = vulkanIcds().manifests.find((m) => /nvidia/i.test(m.file));
  if (icd) {
    process.env.VK_DRIVER_FILES = icd.file;
    return `${icd.file} (NVIDIA's driver only)`;
  }
  const library = findLibrary(NVIDIA_VULKAN_LIBRARY);
  if (!library) return null;
  const dir = join(tmpdir(), `landscape-vulkan-${process.getuid?.() ?? 'user'}`);
  const file = join(dir, 'nvidia_icd.json');
  mkdirSync(dir, { recursive: true });
  const manifest = { file_format_version: '1.0.0', ICD: { library_path: library, api_version: '1.3.0' } };
  writeFileSync(`${file}.${process.pid}.tmp`, `${JSON.stringify(manifest, null, 1)}\n`);
  renameSync(`${file}.${process.pid}.tmp`, file);
  process.env.VK_DRIVER_FILES = file;
  return `${file} (written for ${library}: the driver installed no manifest)`;
}
