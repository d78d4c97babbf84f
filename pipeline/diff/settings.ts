// What differs between the two runs' manifests, the likely causes of what differs in their
// figures: settings changed with --set, profile values, the root seed, the code (commit, dirty
// tree), the engine (backend, kernels, versions, GPU), the data (dataset step key and file
// hashes) and the machine. The report puts this first, so the cause is read before the effects.
import { describeOverrides, settingLeaves } from '../overrides.ts';
import type { RunManifest } from '../runs.ts';
import type { SettingChange } from './types.ts';

function text(value: unknown): string {
  if (value === undefined) return '(none)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.map(text).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Dotted paths to scalar values (and lists, as one value). */
function flat(value: unknown, prefix: string, out = new Map<string, string>()): Map<string, string> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flat(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.set(prefix, text(value));
  }
  return out;
}

function changes(group: SettingChange['group'], a: Map<string, string>, b: Map<string, string>): SettingChange[] {
  const names = [...new Set([...a.keys(), ...b.keys()])];
  return names.filter((n) => a.get(n) !== b.get(n)).map((name) => ({ group, name, a: a.get(name) ?? '(none)', b: b.get(name) ?? '(none)' }));
}

function engineOf(m: RunManifest): Map<string, string> {
  if (!m.engine) return new Map([['engine', '(not recorded)']]);
  // notes and whether it was loaded describe the run, not the numbers
  const { notes: _notes, initialised: _initialised, ...fingerprint } = m.engine;
  return flat(fingerprint, 'engine');
}

function dataOf(m: RunManifest): Map<string, string> {
  const out = new Map<string, string>([['dataset step key', m.dataset?.key ?? '(none)']]);
  const hashes = (m.dataset?.info as { sha256?: Record<string, unknown> } | null | undefined)?.sha256;
  for (const [file, hash] of Object.entries(hashes ?? {})) out.set(`sha256 ${file}`, text(hash));
  return out;
}

function profileOf(m: RunManifest): Map<string, string> {
  return new Map([['profile', m.profile.name], ...settingLeaves(m.profile).filter(([path]) => path !== 'seed').map(([path, value]): [string, string] => [path, text(value)])]);
}

export function compareSettings(a: RunManifest, b: RunManifest): SettingChange[] {
  const overrides = (m: RunManifest): Map<string, string> => new Map(Object.entries(m.overrides ?? {}).map(([k, v]) => [k, text(v)]));
  const code = (m: RunManifest): Map<string, string> =>
    new Map([
      ['git commit', m.git.commit ?? 'unknown'],
      ['uncommitted changes', m.git.dirty === null ? 'unknown' : m.git.dirty ? 'yes' : 'no'],
    ]);
  const machine = (m: RunManifest): Map<string, string> =>
    new Map([
      ['node', m.environment.node],
      ['platform', m.environment.platform],
      ['cpu', `${m.environment.cpu} (${m.environment.cores} cores)`],
      // what ran the training jobs: it must not change a number, and says where to look if it did
      ...(a.executor || b.executor ? [['executor', executorOf(m)] as [string, string]] : []),
    ]);
  return [
    ...changes('overrides', overrides(a), overrides(b)),
    ...changes('profile', profileOf(a), profileOf(b)),
    ...changes('seed', new Map([['root seed', text(a.seeds.root)]]), new Map([['root seed', text(b.seeds.root)]])),
    ...changes('code', code(a), code(b)),
    ...changes('engine', engineOf(a), engineOf(b)),
    ...changes('data', dataOf(a), dataOf(b)),
    ...changes('environment', machine(a), machine(b)),
  ];
}

function executorOf(m: RunManifest): string {
  if (!m.executor) return '(not recorded)';
  if (m.executor.kind === 'local') return `local, ${m.executor.workers} worker${m.executor.workers === 1 ? '' : 's'}`;
  return `slurm, ${m.executor.arrays.length} job array${m.executor.arrays.length === 1 ? '' : 's'}`;
}

/** `--set a=1 b=2`, or empty when the run changed nothing. */
export function overridesLine(m: RunManifest): string {
  return describeOverrides(m.overrides);
}
