// The shared libraries the bundle carries from this (Debian-like, x86-64) build machine:
//  - the ones the native OpenBLAS addon links beyond the C and C++ runtimes (libopenblas, and the
//    libgfortran and libquadmath it needs), placed beside the addon, where its rpath ($ORIGIN,
//    native/binding.gyp) finds them first;
//  - the Vulkan loader, libvulkan.so.1 (Debian's libvulkan1): this machine's, or fetched with
//    `apt-get download libvulkan1` when it has none; the launcher uses it only where the target
//    has no loader of its own.
// With each, its Debian copyright file, where dpkg knows the package.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { findLibrary } from '../../pipeline/engine/vulkan.ts';

/** Libraries every Linux with a Node has (glibc, libstdc++, libgcc): never carried. */
const SYSTEM_BASE = /^(linux-vdso|ld-linux|libc|libm|libdl|libpthread|librt|libstdc\+\+|libgcc_s)\.so/;

export interface CarriedLibrary {
  /** the name the linker asks for, e.g. libopenblas.so.0 */
  soname: string;
  /** where it came from on this machine */
  from: string;
}

/** The libraries `file` links that are not in SYSTEM_BASE, with where this machine's linker finds them (ldd). */
export function linkedLibraries(file: string): CarriedLibrary[] {
  const r = spawnSync('ldd', [file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ldd ${file} failed: ${(r.stderr || r.error?.message || '').trim()}`);
  const found: CarriedLibrary[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = /^\s*(\S+)\s+=>\s+(\/\S+)/.exec(line);
    if (m && !SYSTEM_BASE.test(m[1]!)) found.push({ soname: m[1]!, from: m[2]! });
    else if (/=>\s+not found/.test(line)) throw new Error(`${file} links ${line.trim()}`);
  }
  return found;
}

/** Copies the library's file (links followed) to `dir`/<soname>, and its Debian copyright to `licenses`. */
export function carry(library: CarriedLibrary, dir: string, licenses: string): void {
  mkdirSync(dir, { recursive: true });
  copyFileSync(realpathSync(library.from), join(dir, library.soname));
  const pkg = debianPackageOf(library.from);
  const copyright = pkg ? `/usr/share/doc/${pkg}/copyright` : null;
  if (copyright && existsSync(copyright)) {
    mkdirSync(licenses, { recursive: true });
    copyFileSync(copyright, join(licenses, `${pkg}.copyright`));
  }
}

/** The Debian package that installed a file (through links, and /lib as /usr/lib on merged-usr systems); null when dpkg does not know it. */
function debianPackageOf(file: string): string | null {
  const real = realpathSync(file);
  const candidates = [file, real].flatMap((p) => [p, p.replace(/^\/lib\//, '/usr/lib/')]);
  for (const path of new Set(candidates)) {
    const r = spawnSync('dpkg', ['-S', path], { encoding: 'utf8' });
    if (r.status === 0) return r.stdout.split(':')[0]!.trim();
  }
  return null;
}

/**
 * The Vulkan loader into `dir` (and its copyright into `licenses`): this machine's, else Debian's
 * package fetched with apt-get download. Returns where it came from, or throws saying why not.
 */
export function carryVulkanLoader(dir: string, licenses: string): string {
  const system = findLibrary('libvulkan.so.1');
  if (system) {
    carry({ soname: 'libvulkan.so.1', from: system }, dir, licenses);
    return system;
  }
  const work = mkdtempSync(join(tmpdir(), 'landscape-libvulkan-'));
  try {
    const download = spawnSync('apt-get', ['download', 'libvulkan1'], { cwd: work, encoding: 'utf8' });
    const deb = readdirSync(work).find((f) => f.endsWith('.deb'));
    if (download.status !== 0 || !deb) {
      throw new Error(`no libvulkan.so.1 here and apt-get download libvulkan1 failed (${(download.stderr || download.error?.message || '').trim().split('\n').pop()})`);
    }
    const unpacked = join(work, 'root');
    const x = spawnSync('dpkg-deb', ['-x', join(work, deb), unpacked], { encoding: 'utf8' });
    if (x.status !== 0) throw new Error(`dpkg-deb -x ${deb} failed: ${x.stderr.trim()}`);
    const found = findIn(unpacked, 'libvulkan.so.1');
    if (!found) throw new Error(`${deb} has no libvulkan.so.1`);
    mkdirSync(dir, { recursive: true });
    copyFileSync(realpathSync(found), join(dir, 'libvulkan.so.1'));
    const copyright = join(unpacked, 'usr', 'share', 'doc', 'libvulkan1', 'copyright');
    if (existsSync(copyright)) {
      mkdirSync(licenses, { recursive: true });
      copyFileSync(copyright, join(licenses, 'libvulkan1.copyright'));
    }
    return `${deb} (apt-get download)`;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function findIn(dir: string, name: string): string | null {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const found = findIn(path, name);
      if (found) return found;
    } else if (basename(path) === name) return path;
  }
  return null;
}
