// The profiles: every number an experiment reads comes from here, so that a step's key can
// name exactly the settings it used. Each experiment keeps its table in profiles/<name>.ts.
import { PROFILE_NAMES, type ProfileName } from './profiles/names.ts';
import { data, type DataSettings } from './profiles/data.ts';
import { net, type NetSettings } from './profiles/net.ts';
import { sgdStages, type SgdStagesSettings } from './profiles/sgd-stages.ts';
import { basinModel, type BasinModelSettings } from './profiles/basin-model.ts';
import { reluFits, type ReluFitsSettings } from './profiles/relu-fits.ts';
import { bgdBranches, type BgdBranchesSettings } from './profiles/bgd-branches.ts';
import { flatMinima, type FlatMinimaSettings } from './profiles/flat-minima.ts';
import { interpolation, type InterpolationSettings } from './profiles/interpolation.ts';
import { polynomialNet, type PolynomialNetSettings } from './profiles/polynomial-net.ts';
import { overparametrization, type OverparametrizationSettings } from './profiles/overparametrization.ts';

export { PROFILE_NAMES, type ProfileName };

export interface Profile {
  name: ProfileName;
  /** what the profile is for, shown by --help and on the site */
  purpose: string;
  /** the root seed; every random stream of a run is derived from it */
  seed: number;
  data: DataSettings;
  net: NetSettings;
  sgdStages: SgdStagesSettings;
  basinModel: BasinModelSettings;
  reluFits: ReluFitsSettings;
  bgdBranches: BgdBranchesSettings;
  flatMinima: FlatMinimaSettings;
  interpolation: InterpolationSettings;
  polynomialNet: PolynomialNetSettings;
  overparametrization: OverparametrizationSettings;
}

const purposes: Record<ProfileName, string> = {
  smoke: 'tests and CI: the whole pipeline on a few hundred synthetic images',
  preview: 'the default first run on any machine: a few thousand synthetic images',
  cifar: 'a real-data run on a CPU: a CIFAR-10 subset',
  paper: "the paper's settings on the full CIFAR-10 (meant for a GPU machine)",
};

export function getProfile(name: string): Profile {
  if (!(PROFILE_NAMES as readonly string[]).includes(name)) {
    throw new Error(`unknown profile '${name}' (expected one of: ${PROFILE_NAMES.join(', ')})`);
  }
  const n = name as ProfileName;
  return {
    name: n,
    purpose: purposes[n],
    seed: 20170328,
    data: data[n],
    net: net[n],
    sgdStages: sgdStages[n],
    basinModel: basinModel[n],
    reluFits: reluFits[n],
    bgdBranches: bgdBranches[n],
    flatMinima: flatMinima[n],
    interpolation: interpolation[n],
    polynomialNet: polynomialNet[n],
    overparametrization: overparametrization[n],
  };
}
