// Reading and writing the files inside an artifact folder. JSON for small structured data,
// raw little-endian Float32 for weights and grids (compact, and read back without parsing).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ArtifactRef } from './step.ts';

/**
 * Writes a file whole or not at all, through a temporary file of its own (two processes writing
 * the same path never share one): atomic-write.ts.
 */
export { writeAtomic as atomicWrite } from './atomic-write.ts';

export async function writeJson(dir: string, name: string, value: unknown): Promise<void> {
  const path = join(dir, name);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, JSON.stringify(value, null, 1) + '\n');
}

export async function readJson<T>(ref: ArtifactRef | string, name: string): Promise<T> {
  const dir = typeof ref === 'string' ? ref : ref.dir;
  return JSON.parse(await readFile(join(dir, name), 'utf8')) as T;
}

export async function writeFloat32(dir: string, name: string, values: Float32Array): Promise<void> {
  const path = join(dir, name);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
}

export async function readFloat32(ref: ArtifactRef | string, name: string): Promise<Float32Array> {
  const dir = typeof ref === 'string' ? ref : ref.dir;
  const path = join(dir, name);
  const bytes = await readFile(path);
  if (bytes.byteLength % 4 !== 0) {
    throw new Error(`${path}: ${bytes.byteLength} bytes is not a whole number of float32 values`);
  }
  // copy into an aligned buffer: a Buffer's offset inside its pool need not be a multiple of 4
  const out = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/**
 * A reader that reads each artifact folder once per process (artifacts never change once
 * committed): claims and figures that look at the same artifact share one read.
 */
export function readOnce<T>(read: (dir: string) => Promise<T>): (ref: ArtifactRef | string) => Promise<T> {
  const memo = new Map<string, Promise<T>>();
  return (ref) => {
    const dir = typeof ref === 'string' ? ref : ref.dir;
    let entry = memo.get(dir);
    if (!entry) {
      entry = read(dir);
      memo.set(dir, entry);
    }
    return entry;
  };
}
