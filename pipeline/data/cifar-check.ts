// `npm run figures`' check of a local CIFAR-10 copy (--cifar-dir), before anything runs: an
// official copy passes silently; another is refused, or with --allow-unofficial-data used, and
// then its files' hashes go to the run (they key the data step, and mark every figure).
import { chalk } from 'zx';
import { join, resolve } from 'node:path';
import { getProfile } from '../profiles.ts';
import { verifyCifarCopy } from './cifar-verify.ts';

export interface CifarArgs {
  profile: string;
  'cifar-dir'?: string;
  'allow-unofficial-data'?: boolean;
}

/** The files' SHA-256 of an accepted unofficial copy, null for the official one or no local copy. */
export async function checkCifarCopy(args: CifarArgs, cacheDir: string): Promise<Record<string, string> | null> {
  const profile = getProfile(args.profile);
  const allow = args['allow-unofficial-data'] === true;
  if (profile.data.kind !== 'cifar') return null;
  const folder = args['cifar-dir'] ?? process.env.LANDSCAPE_CIFAR_DIR;
  // without a local copy the data step downloads the official archive and checks it itself
  if (!folder) return null;
  const copy = await verifyCifarCopy(resolve(folder), { allowUnofficial: allow, memoDir: join(cacheDir, 'verified') });
  if (copy.official) return null;
  const n = copy.differences.length;
  console.error(chalk.yellow(`figures: using an unofficial CIFAR-10 copy (--allow-unofficial-data): ${copy.differences[0]}${n > 1 ? `, and ${n - 1} more file${n > 2 ? 's' : ''} differ` : ''}; every figure of this run says so`));
  return copy.sha256;
}
