// Parameter overrides: `npm run figures -- --set sgdStages.learningRate=0.02` makes a variant run.
//
// An override replaces one setting of the profile before anything is planned. Steps take their
// parameters from the profile, so an override enters the cache keys of exactly the steps that
// read that setting (and of the steps downstream of them), and nothing else. Each override is
// checked against the setting it replaces: the path must name one setting of the profile, and
// the value must have the setting's type (a number, a whole number, one of a fixed set of words,
// a list of numbers). The overrides are recorded in the run manifest and shown on the site.
import { PROFILE_NAMES } from './profiles/names.ts';
import { getProfile, type Profile } from './profiles.ts';

export type SettingValue = number | string | boolean | number[];

/** setting path (e.g. `sgdStages.learningRate`) -> the value it is set to, in the order given */
export type Overrides = Record<string, SettingValue>;

/** One line, meant to be printed as is (the CLI exits with status 2 on it). */
export class OverrideError extends Error {
  override name = 'OverrideError';
}

/** Groups of the profile that are not settings. */
const NOT_SETTINGS = new Set(['name', 'purpose']);

/**
 * Settings that count things (images, epochs, runs, cells, seeds): only whole numbers make sense.
 * Every other number setting accepts any finite number.
 */
const WHOLE_NUMBERS = new Set([
  'seed',
  'data.seed',
  'data.train',
  'data.test',
  'net.width',
  'net.bnCalibration',
  'net.evalBatch',
  'sgdStages.stages',
  'sgdStages.trajectories',
  'sgdStages.firstPerturbed',
  'sgdStages.epochsPerStage',
  'sgdStages.batchSize',
  'basinModel.seedOffset',
  'basinModel.basins.count',
  'basinModel.fractal.levels',
  'basinModel.grid.cells',
  'basinModel.grid.zoomCells',
  'basinModel.grid.profilePoints',
  'basinModel.runs.count',
  'basinModel.runs.steps',
  'basinModel.runs.recordEvery',
  'basinModel.branches.at',
  'basinModel.branches.steps',
  'basinModel.perturb.runs',
  'basinModel.perturb.steps',
  'basinModel.interpolation.pairs',
  'basinModel.interpolation.points',
  'reluFits.degrees',
  'reluFits.curvePoints',
  'reluFits.searchPoints',
]);

const isGroup = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** The settings under `value` as [dotted path, value]; a list is one setting. */
function leaves(value: unknown, path: string, out: Array<[string, unknown]> = []): Array<[string, unknown]> {
  if (isGroup(value)) for (const [k, v] of Object.entries(value)) leaves(v, path ? `${path}.${k}` : k, out);
  else out.push([path, value]);
  return out;
}

/** Every setting of a profile as [dotted path, value], in the profile's order. */
export function settingLeaves(profile: Profile): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  for (const [k, v] of Object.entries(profile)) if (!NOT_SETTINGS.has(k)) leaves(v, k, out);
  return out;
}

/** The words a string setting takes in the four profiles (e.g. data.kind: synthetic, cifar). */
function wordsOf(path: string): string[] {
  const words = new Set<string>();
  for (const name of PROFILE_NAMES) {
    const value = new Map(settingLeaves(getProfile(name))).get(path);
    if (typeof value === 'string') words.add(value);
  }
  return [...words];
}

function lookup(profile: Profile, path: string): { found: true; value: unknown } | { found: false; reason: string } {
  const parts = path.split('.');
  let node: unknown = profile;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const here = parts.slice(0, i).join('.');
    const children = isGroup(node) ? Object.keys(node).filter((k) => i > 0 || !NOT_SETTINGS.has(k)) : [];
    if (!isGroup(node) || !children.includes(part)) {
      const where = here ? `${here} has` : 'the settings are';
      const names = here ? children.map((k) => `${here}.${k}`) : children;
      return { found: false, reason: `unknown setting '${path}' (${where}: ${names.join(', ')})` };
    }
    node = node[part];
  }
  if (isGroup(node)) {
    const names = leaves(node, path).map(([p]) => p);
    return { found: false, reason: `'${path}' is a group of settings, not one (set one of: ${names.join(', ')})` };
  }
  return { found: true, value: node };
}

function parseNumber(text: string, path: string, whole: boolean): number {
  const value = text.trim() === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(value)) throw new OverrideError(`--set ${path}: '${text}' is not a number`);
  if (whole && !Number.isInteger(value)) throw new OverrideError(`--set ${path}: needs a whole number, got '${text}'`);
  return value;
}

/** The value of `--set path=text`, typed like the setting it replaces in `profile`. */
function parseValue(profile: Profile, path: string, text: string): SettingValue {
  const current = lookup(profile, path);
  if (!current.found) throw new OverrideError(current.reason);
  const whole = WHOLE_NUMBERS.has(path);
  const value = current.value;
  if (typeof value === 'number') return parseNumber(text, path, whole);
  if (typeof value === 'boolean') {
    if (text !== 'true' && text !== 'false') throw new OverrideError(`--set ${path}: needs true or false, got '${text}'`);
    return text === 'true';
  }
  if (typeof value === 'string') {
    const words = wordsOf(path);
    if (words.length > 0 && !words.includes(text)) throw new OverrideError(`--set ${path}: needs one of ${words.join(', ')}, got '${text}'`);
    return text;
  }
  if (Array.isArray(value) && value.every((v) => typeof v === 'number')) {
    if (text.trim() === '') throw new OverrideError(`--set ${path}: needs a comma-separated list of numbers`);
    return text.split(',').map((part) => parseNumber(part.trim(), path, whole));
  }
  throw new OverrideError(`--set ${path}: this setting cannot be set from the command line`);
}

/**
 * `--set` arguments (`path=value`, in the order given; a later one for the same path wins),
 * checked against the profile. Throws OverrideError with a one-line reason.
 */
export function parseOverrides(profile: Profile, args: readonly string[]): Overrides {
  const overrides: Overrides = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0) throw new OverrideError(`--set needs setting=value, e.g. --set sgdStages.learningRate=0.02 (got '${arg}')`);
    const path = arg.slice(0, eq).trim();
    delete overrides[path];
    overrides[path] = parseValue(profile, path, arg.slice(eq + 1).trim());
  }
  return overrides;
}

/** A copy of the profile with the overrides in place (the profile itself is not changed). */
export function applyOverrides(profile: Profile, overrides: Overrides): Profile {
  const copy = structuredClone(profile);
  for (const [path, value] of Object.entries(overrides)) {
    const parts = path.split('.');
    let node = copy as unknown as Record<string, unknown>;
    for (const part of parts.slice(0, -1)) node = node[part] as Record<string, unknown>;
    node[parts[parts.length - 1]!] = Array.isArray(value) ? [...value] : value;
  }
  return copy;
}

/** `sgdStages.learningRate=0.02 data.train=2000`, as typed on the command line. */
export function describeOverrides(overrides: Overrides | undefined): string {
  return Object.entries(overrides ?? {})
    .map(([path, value]) => `${path}=${Array.isArray(value) ? value.join(',') : String(value)}`)
    .join(' ');
}
