// The content-addressed store under cache/.
//
//   objects/<key[0:2]>/<key>/    a finished artifact: its files plus manifest.json (file hashes)
//   tmp/                         artifacts being written; renamed into objects/ only when whole
//   scratch/<key>/               checkpoints of an unfinished step, kept across interruptions
//   index/<profile>/<step>.json  the key components of the last build of each step (for --explain)
//   locks/<key>                  held while a process computes that key (lock.ts)
//   runs/<id>.json               run manifests (see runs.ts)
//
// A key is SHA-256 over the canonical JSON (RFC 8785) of the key components, so two runs agree
// on a key exactly when they agree on every component.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import canonicalizeModule from 'canonicalize';
import { removeOrphanTemps, writeAtomic } from './atomic-write.ts';
import { parseWithDigest, withDigest } from './digest.ts';
import { acquireLock, sweepStaleLocks, type HeldLock } from './lock.ts';
import { trace } from './trace.ts';

/** Everything a step's result depends on. */
export interface KeyComponents {
  step: string;
  /** repo-relative path -> SHA-256 of each source file of the step */
  sources: Record<string, string>;
  /** npm package -> version, for the packages the sources import */
  packages: Record<string, string>;
  params: unknown;
  /** input step name -> its key */
  inputs: Record<string, string>;
  /** backend and library versions, for steps whose numbers depend on them; else null */
  engine: unknown;
}

export interface ObjectManifest {
  key: string;
  step: string;
  components: KeyComponents;
  files: Record<string, { sha256: string; bytes: number }>;
  createdAt: string;
  /** seconds the step took to compute */
  seconds: number;
  /** SHA-256 of the rest of the manifest (digest.ts), so that a damaged manifest is found too */
  digest?: string;
}

export type VerifyResult =
  | { status: 'ok'; manifest: ObjectManifest }
  | { status: 'absent' }
  | { status: 'corrupt'; reason: string };

const MANIFEST = 'manifest.json';

// The package is CommonJS with an ES-style type declaration: at run time the default import is
// the function itself, while the types describe it one level down.
type Serialize = (input: unknown) => string | undefined;
const canonicalize: Serialize =
  (canonicalizeModule as unknown as { default?: Serialize }).default ?? (canonicalizeModule as unknown as Serialize);

export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('cannot canonicalize an undefined value');
  return text;
}

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function keyOf(components: KeyComponents): string {
  return sha256(canonicalJson(components));
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** All files under `dir`, as sorted '/'-separated relative paths. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) out.push(relative(dir, full).split(sep).join('/'));
    }
  };
  await walk(dir);
  return out.sort();
}

export class Cache {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  objectDir(key: string): string {
    return join(this.root, 'objects', key.slice(0, 2), key);
  }

  scratchDir(key: string): string {
    return join(this.root, 'scratch', key);
  }

  get runsDir(): string {
    return join(this.root, 'runs');
  }

  /** Whether an object is present (not verified: see verify). */
  async has(key: string): Promise<boolean> {
    return stat(join(this.objectDir(key), MANIFEST)).then(() => true, () => false);
  }

  /** Checks an object against its manifest: every listed file present with the same hash, no others. */
  async verify(key: string): Promise<VerifyResult> {
    const dir = this.objectDir(key);
    let text: string;
    try {
      text = await readFile(join(dir, MANIFEST), 'utf8');
    } catch (error) {
      const exists = await stat(dir).then(() => true, () => false);
      if (!exists) return { status: 'absent' };
      return { status: 'corrupt', reason: `${MANIFEST} unreadable (${(error as Error).message})` };
    }
    const parsed = parseWithDigest<ObjectManifest>(text);
    if (!parsed.ok) return { status: 'corrupt', reason: `${MANIFEST}: ${parsed.reason}` };
    const manifest = parsed.value;
    if (manifest.key !== key) return { status: 'corrupt', reason: `${MANIFEST} names key ${manifest.key}` };
    const present = (await listFiles(dir)).filter((f) => f !== MANIFEST);
    const listed = Object.keys(manifest.files).sort();
    const extra = present.filter((f) => !(f in manifest.files));
    if (extra.length > 0) return { status: 'corrupt', reason: `unexpected file ${extra[0]}` };
    for (const file of listed) {
      const path = join(dir, file);
      const info = await stat(path).catch(() => null);
      if (!info) return { status: 'corrupt', reason: `file ${file} is missing` };
      const want = manifest.files[file]!;
      if (info.size !== want.bytes) {
        return { status: 'corrupt', reason: `file ${file} has ${info.size} bytes, expected ${want.bytes}` };
      }
      const got = await sha256File(path);
      if (got !== want.sha256) {
        return { status: 'corrupt', reason: `file ${file} has SHA-256 ${got.slice(0, 12)}…, expected ${want.sha256.slice(0, 12)}…` };
      }
    }
    return { status: 'ok', manifest };
  }

  /** Waits for, then holds, the lock of `key`: one process computes a key at a time. */
  lock(key: string, onWait?: (holder: string) => void): Promise<HeldLock> {
    return acquireLock(join(this.root, 'locks'), key, { onWait });
  }

  /**
   * Removes the checkpoints of a key whose object is complete (left by a run killed after the
   * commit), unless a process holds the key's lock: a forced run may be computing it again.
   */
  async dropScratch(key: string): Promise<void> {
    if (!(await stat(this.scratchDir(key)).then(() => true, () => false))) return;
    const lock = await acquireLock(join(this.root, 'locks'), key, { noWait: true });
    if (!lock) return;
    try {
      await rm(this.scratchDir(key), { recursive: true, force: true });
    } finally {
      await lock.release();
    }
  }

  /** Deletes an object (used when it failed verification). */
  async evict(key: string): Promise<void> {
    await rm(this.objectDir(key), { recursive: true, force: true });
  }

  /** A fresh, empty temporary folder for a step to write into. */
  async makeTemp(key: string): Promise<string> {
    const dir = join(this.root, 'tmp', `${key}.${process.pid}.${randomBytes(4).toString('hex')}`);
    await mkdir(dir, { recursive: true });
    return dir;
  }

  /**
   * Seals a temporary folder into the object for `key`: hashes every file, writes the manifest,
   * then renames the folder into place. Until the rename, nothing is visible under objects/.
   * With `replace` (a forced step), an existing object with exactly the same files stays as it
   * is, so that a reader (a site build) never finds it gone; a different one is moved aside and
   * the new one renamed in its place.
   */
  async commit(tempDir: string, components: KeyComponents, seconds: number, options: { replace?: boolean } = {}): Promise<ObjectManifest> {
    const key = keyOf(components);
    const files: ObjectManifest['files'] = {};
    for (const file of await listFiles(tempDir)) {
      if (file === MANIFEST) throw new Error(`a step may not write its own ${MANIFEST}`);
      const path = join(tempDir, file);
      files[file] = { sha256: await sha256File(path), bytes: (await stat(path)).size };
    }
    const manifest: ObjectManifest = withDigest({
      key,
      step: components.step,
      components,
      files,
      createdAt: new Date().toISOString(),
      seconds,
    });
    await writeFile(join(tempDir, MANIFEST), JSON.stringify(manifest, null, 1) + '\n');
    trace('commit', components.step);
    const target = this.objectDir(key);
    await mkdir(join(target, '..'), { recursive: true });
    if (options.replace) {
      const existing = await this.verify(key);
      if (existing.status === 'ok' && canonicalJson(existing.manifest.files) === canonicalJson(files)) {
        await rm(tempDir, { recursive: true, force: true });
        return existing.manifest;
      }
      // the old object leaves in one step; its folder is removed after the new one is in place
      const aside = `${tempDir}.replaced`;
      await rename(target, aside).catch(() => {});
      try {
        await rename(tempDir, target);
      } finally {
        await rm(aside, { recursive: true, force: true });
      }
      return manifest;
    }
    try {
      await rename(tempDir, target);
    } catch (error) {
      // another process committed the same key first: same inputs, so the same content
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
      await rm(tempDir, { recursive: true, force: true });
    }
    return manifest;
  }

  /** Removes temporary folders and locks left by runs that died (only those of processes no longer alive). */
  async sweepTemp(): Promise<void> {
    await sweepStaleLocks(join(this.root, 'locks'));
    await removeOrphanTemps(this.runsDir);
    const tmp = join(this.root, 'tmp');
    const entries = await readdir(tmp).catch(() => [] as string[]);
    for (const name of entries) {
      const pid = Number(name.split('.')[1]);
      if (pid === process.pid || isAlive(pid)) continue;
      await rm(join(tmp, name), { recursive: true, force: true });
    }
  }

  private indexPath(profile: string, step: string): string {
    return join(this.root, 'index', profile, `${step.replace(/[^A-Za-z0-9._-]/g, '_')}.json`);
  }

  /** Remembers the components a step was last built with, so a later miss can say what changed. */
  async recordComponents(profile: string, components: KeyComponents): Promise<void> {
    const path = this.indexPath(profile, components.step);
    await mkdir(join(path, '..'), { recursive: true });
    await writeAtomic(path, JSON.stringify(components, null, 1) + '\n');
  }

  async lastComponents(profile: string, step: string): Promise<KeyComponents | null> {
    try {
      return JSON.parse(await readFile(this.indexPath(profile, step), 'utf8')) as KeyComponents;
    } catch {
      return null;
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Human-readable list of what differs between two sets of key components. */
export function describeChanges(before: KeyComponents, after: KeyComponents): string[] {
  const changes: string[] = [];
  const diffMaps = (label: string, a: Record<string, string>, b: Record<string, string>): void => {
    for (const name of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (!(name in a)) changes.push(`${label} ${name} added`);
      else if (!(name in b)) changes.push(`${label} ${name} removed`);
      else if (a[name] !== b[name]) changes.push(`${label} ${name} changed`);
    }
  };
  diffMaps('source', before.sources, after.sources);
  diffMaps('package', before.packages, after.packages);
  diffMaps('input', before.inputs, after.inputs);
  for (const path of diffValues(before.params, after.params, 'params')) changes.push(`${path} changed`);
  if (canonicalJson(before.engine ?? null) !== canonicalJson(after.engine ?? null)) {
    changes.push(`engine changed (${canonicalJson(before.engine ?? null)} -> ${canonicalJson(after.engine ?? null)})`);
  }
  return changes;
}

function diffValues(a: unknown, b: unknown, path: string): string[] {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObject(a) && isObject(b)) {
    return [...new Set([...Object.keys(a), ...Object.keys(b)])].flatMap((k) => diffValues(a[k], b[k], `${path}.${k}`));
  }
  const ca = canonicalJson(a ?? null);
  const cb = canonicalJson(b ?? null);
  return ca === cb ? [] : [`${path} (${ca} -> ${cb})`];
}
