// The 45 figures: one entry per figure, as data. Figures 1-5 follow the paper's captions; 6-45
// are reconstructed from what the paper is known to contain, so their numbering and details may
// differ from the original, and the site says so. A figure whose entry has no `build` is not
// computed yet: it is listed as missing, never drawn.
import { DEGENERACY_STEP } from '../pipeline/analysis/degeneracy/artifact.ts';
import { mdsStepName } from '../pipeline/analysis/trajectory-mds/names.ts';
import type { PaperLayer } from '../pipeline/engine/net.ts';
import { FLAT_MINIMA_STEP } from '../pipeline/experiments/flat-minima/artifact.ts';
import { INTERPOLATION_STEP } from '../pipeline/experiments/interpolation/artifact.ts';
import type { ExperimentId } from '../pipeline/experiments/registry.ts';
import type { Profile } from '../pipeline/profiles.ts';

export type { ExperimentId };
export type FigureSource = 'seed' | 'reconstructed';
export type SectionId = 'basins' | 'polynomial' | 'sgd' | 'bgd' | 'flat-minima' | 'overparametrization';

export interface FigureBuild {
  /** repo-relative path of the module exporting a FigureModule as `figure` */
  module: string;
  /** the steps whose artifacts it reads */
  inputs: string[];
  /** the profile settings it reads (part of its key) */
  params(profile: Profile): unknown;
}

export interface CatalogEntry {
  id: string;
  number: number;
  title: string;
  source: FigureSource;
  experiments: ExperimentId[];
  section: SectionId;
  /** what the panels show, in a sentence or two */
  shows: string;
  build?: FigureBuild;
}

export const SECTIONS: Record<SectionId, string> = {
  basins: 'The landscape as a collection of basins',
  polynomial: 'Polynomial networks and many degenerate minima',
  sgd: 'What stochastic gradient descent explores',
  bgd: 'The exact loss surface under batch gradient descent',
  'flat-minima': 'Flat, degenerate global minima',
  overparametrization: 'Overparametrization and generalization',
};

const fig = (
  number: number,
  title: string,
  source: FigureSource,
  experiments: ExperimentId[],
  section: SectionId,
  shows: string,
  build?: FigureBuild,
): CatalogEntry => ({ id: figureId(number), number, title, source, experiments, section, shows, build });

export function figureId(n: number): string {
  return `fig-${String(n).padStart(2, '0')}`;
}

/**
 * The E3 map family (figures/sgd-trajectories.ts): one module draws Figure 3 and its appendix,
 * told by its parameters which layer and which views: the overview (all stages, the later
 * stages, stages 1 and 5), the overview's first two panels (other layers), one stage alone, or
 * all stages labelled by training error.
 */
export type SgdMapKind = 'overview' | 'layer' | 'stage' | 'error-labels';

function sgdMap(kind: SgdMapKind, layer: PaperLayer, stage?: number): FigureBuild {
  return {
    module: 'figures/sgd-trajectories.ts',
    inputs: ['experiment:sgd-stages', mdsStepName('sgd-stages', layer)],
    params: (p) => ({ kind, layer, ...(stage ? { stage } : {}), data: p.data }),
  };
}

/**
 * The E4 map family (figures/bgd-branches.ts): Figure 4 and its other layers (kind 'map', the
 * first noise level), and the larger kicks with their error curves (kind 'noise', layer 2).
 */
function bgdMap(kind: 'map' | 'noise', layer: PaperLayer, noise = 0): FigureBuild {
  return {
    module: 'figures/bgd-branches.ts',
    inputs: ['experiment:bgd-branches', mdsStepName('bgd-branches', layer)],
    params: (p) => ({ kind, layer, ...(kind === 'noise' ? { k: p.bgdBranches.noise[noise] } : {}), data: p.data }),
  };
}

/** E7's pair (figures/overparametrization.ts): Figure 9 with the natural labels, Figure 44 with shuffled ones. */
function overparametrizationFigure(labels: 'natural' | 'shuffled'): FigureBuild {
  return { module: 'figures/overparametrization.ts', inputs: ['experiment:overparametrization'], params: (p) => ({ labels, data: p.data }) };
}

const stageFigure = (number: number, stage: number): CatalogEntry =>
  fig(number, `SGD trajectories of stage ${stage} (layer 2)`, 'reconstructed', ['E3'], 'sgd', `MDS of the layer-2 snapshots of stage ${stage} alone.`, sgdMap('stage', 2, stage));

const layerFigure = (number: number, layer: PaperLayer): CatalogEntry =>
  fig(number, `SGD trajectories across stages (layer ${layer})`, 'reconstructed', ['E3'], 'sgd', `Figure 3 for layer ${layer}: MDS of all stages and of stages 5-12.`, sgdMap('layer', layer));

/**
 * The E5 and E6 families: Figure 5 and its repeats for other k (figures/perturbed-minimum.ts),
 * Figure 5's maps for other layers (figures/perturbed-minimum-maps.ts), the lines of Figures 41
 * and 42 (figures/interpolation-lines.ts), and the single figures 35, 43 and 45.
 */
function flatBuild(module: string, inputs: string[], params: (p: Profile) => object = () => ({})): FigureBuild {
  return { module, inputs, params: (p) => ({ ...params(p), data: p.data }) };
}
const perturbedMinimum = (k: number) => flatBuild('figures/perturbed-minimum.ts', [FLAT_MINIMA_STEP, mdsStepName('flat-minima', 2)], () => ({ k }));
const perturbedMaps = (layer: PaperLayer) => flatBuild('figures/perturbed-minimum-maps.ts', [FLAT_MINIMA_STEP, mdsStepName('flat-minima', layer)], () => ({ layer }));
const interpolationLines = (kind: 'within' | 'between') => flatBuild('figures/interpolation-lines.ts', [INTERPOLATION_STEP, FLAT_MINIMA_STEP], () => ({ kind }));

export const CATALOG: CatalogEntry[] = [
  fig(1, 'The landscape as a collection of basins', 'seed', ['E1', 'E4', 'E5', 'E6'], 'basins', 'The basin model: one basin in profile and from above, a landscape of basins, small versus large perturbations, interpolation within and between basins, the BGD trajectories of Figure 4, and the basin-fractal variant; panels D and E also on the real network.', { module: 'figures/fig-01.ts', inputs: ['experiment:basin-model', 'experiment:bgd-branches', mdsStepName('bgd-branches', 2), FLAT_MINIMA_STEP, INTERPOLATION_STEP], params: (p) => ({ seed: p.seed, ...p.basinModel }) }),
  fig(2, 'A polynomial net behaves like a ReLU net', 'seed', ['E2'], 'polynomial', 'Polynomial approximations of ReLU, and the train and test error per epoch of the same network with ReLU and with the polynomial activation.', { module: 'figures/fig-02.ts', inputs: ['experiment:polynomial-net'], params: (p) => ({ data: p.data }) }),
  fig(3, 'SGD trajectories across 12 stages (layer 2)', 'seed', ['E3'], 'sgd', 'MDS of all layer-2 snapshots of the 12 stages, a separate MDS of stages 5-12, and stages 1 and 5 alone; each point is a saved model labelled by its epoch and coloured by trajectory.', sgdMap('overview', 2)),
  fig(4, 'The exact training-loss surface seen by batch gradient descent', 'seed', ['E4'], 'bgd', 'MDS of the layer-2 weights along the main BGD trajectory, its branches at epochs 0, 10, 50 and 200 (noise 0.25 x S) and the epoch-wise averages, labelled by training error.', bgdMap('map', 2)),
  fig(5, 'Flatness of the global minimum', 'seed', ['E5'], 'flat-minima', 'Train and test error and loss over 200 epochs of GD for four copies of a global minimum perturbed by 0.1 x S, and MDS of their trajectories.', perturbedMinimum(0.1)),
  fig(6, 'The basin-fractal model', 'reconstructed', ['E1'], 'basins', 'The model landscape with 1, 2 and 3 levels of smaller basins on the walls: a 1-D profile and a 2-D heatmap of each.', { module: 'figures/fig-06.ts', inputs: ['experiment:basin-model'], params: (p) => ({ seed: p.seed, ...p.basinModel }) }),
  fig(7, 'Training dynamics on the basin model', 'reconstructed', ['E1'], 'basins', 'Parallel and branched noisy gradient descent runs drawn over the basin-fractal landscape, with loss against step.', { module: 'figures/fig-07.ts', inputs: ['experiment:basin-model'], params: (p) => ({ seed: p.seed, ...p.basinModel }) }),
  fig(8, 'Perturbation and interpolation on the basin model', 'reconstructed', ['E1'], 'basins', 'Which basin retraining ends in after small and large perturbations, and the loss along straight lines within a basin and between basins.', { module: 'figures/fig-08.ts', inputs: ['experiment:basin-model'], params: (p) => ({ seed: p.seed, ...p.basinModel }) }),
  fig(9, 'Overparametrization does not harm generalization', 'reconstructed', ['E7'], 'overparametrization', 'Train and test error against the number of parameters (log scale), with the number of training examples marked.', overparametrizationFigure('natural')),
  ...[2, 3, 4, 6, 7, 8, 9, 10, 11, 12].map((stage, i) => stageFigure(10 + i, stage)),
  fig(20, 'All stages labelled by training error (layer 2)', 'reconstructed', ['E3'], 'sgd', 'The MDS of all stages, each point labelled by the training error of its model.', sgdMap('error-labels', 2)),
  ...([3, 4, 5, 6] as const).map((layer, i) => layerFigure(21 + i, layer)),
  fig(25, 'BGD branches (layer 3)', 'reconstructed', ['E4'], 'bgd', 'Figure 4 for layer 3.', bgdMap('map', 3)),
  fig(26, 'BGD branches (layer 4)', 'reconstructed', ['E4'], 'bgd', 'Figure 4 for layer 4.', bgdMap('map', 4)),
  fig(27, 'BGD branches (layer 5)', 'reconstructed', ['E4'], 'bgd', 'Figure 4 for layer 5.', bgdMap('map', 5)),
  fig(28, 'BGD branches (layer 6)', 'reconstructed', ['E4'], 'bgd', 'Figure 4 for layer 6.', bgdMap('map', 6)),
  fig(29, 'BGD branches with noise 0.5 x S', 'reconstructed', ['E4'], 'bgd', 'Figure 4 with branch noise k = 0.5, with the error curves of the main trajectory and the branches.', bgdMap('noise', 2, 1)),
  fig(30, 'BGD branches with noise 1.0 x S', 'reconstructed', ['E4'], 'bgd', 'Figure 4 with branch noise k = 1.0, with the error curves of the main trajectory and the branches.', bgdMap('noise', 2, 2)),
  fig(31, 'Perturbed global minimum, MDS of layer 3', 'reconstructed', ['E5'], 'flat-minima', "Figure 5's MDS panels (C1, C2) for layer 3.", perturbedMaps(3)),
  fig(32, 'Perturbed global minimum, MDS of layer 4', 'reconstructed', ['E5'], 'flat-minima', "Figure 5's MDS panels (C1, C2) for layer 4.", perturbedMaps(4)),
  fig(33, 'Perturbed global minimum, MDS of layer 5', 'reconstructed', ['E5'], 'flat-minima', "Figure 5's MDS panels (C1, C2) for layer 5.", perturbedMaps(5)),
  fig(34, 'Perturbed global minimum, MDS of layer 6', 'reconstructed', ['E5'], 'flat-minima', "Figure 5's MDS panels (C1, C2) for layer 6.", perturbedMaps(6)),
  fig(35, 'Confusion matrices of the four converged models', 'reconstructed', ['E5'], 'flat-minima', 'Train and test confusion matrices of the four models of Figure 5: the same errors, different solutions.', flatBuild('figures/fig-35.ts', [FLAT_MINIMA_STEP])),
  fig(36, 'Perturbed global minimum with noise 0.25 x S', 'reconstructed', ['E5'], 'flat-minima', 'Figure 5 (errors, losses, MDS) with perturbation k = 0.25.', perturbedMinimum(0.25)),
  fig(37, 'Perturbed global minimum with noise 0.5 x S', 'reconstructed', ['E5'], 'flat-minima', 'Figure 5 (errors, losses, MDS) with perturbation k = 0.5.', perturbedMinimum(0.5)),
  fig(38, 'Perturbed global minimum with noise 1.0 x S', 'reconstructed', ['E5'], 'flat-minima', 'Figure 5 (errors, losses, MDS) with perturbation k = 1.0.', perturbedMinimum(1)),
  fig(39, 'Polynomial approximations of ReLU by degree', 'reconstructed', ['E2'], 'polynomial', 'ReLU against its least-squares polynomial approximations of degree 2, 4, 8 and 16, with the sup-norm error of each.', { module: 'figures/fig-39.ts', inputs: ['analysis:relu-fits'], params: (p) => p.reluFits }),
  fig(40, 'Confusion matrices of the ReLU net and the polynomial net', 'reconstructed', ['E2'], 'polynomial', 'Train and test confusion matrices of the two networks side by side.', { module: 'figures/fig-40.ts', inputs: ['experiment:polynomial-net'], params: (p) => ({ data: p.data }) }),
  fig(41, 'Interpolation within a basin', 'reconstructed', ['E5', 'E6'], 'flat-minima', 'Train and test error and loss along straight lines between the converged models of Figure 5.', interpolationLines('within')),
  fig(42, 'Interpolation between basins', 'reconstructed', ['E5', 'E6'], 'flat-minima', 'The same between models trained from different initializations, where a barrier appears.', interpolationLines('between')),
  fig(43, 'Flatness profile around the global minimum', 'reconstructed', ['E5', 'E6'], 'flat-minima', 'Loss and error along random filter-normalized directions around the global minimum and around an early model.', flatBuild('figures/fig-43.ts', [INTERPOLATION_STEP, FLAT_MINIMA_STEP])),
  fig(44, 'Overparametrization with random labels', 'reconstructed', ['E7'], 'overparametrization', 'Train and test error against the number of parameters with shuffled labels: zero training error, test error at chance.', overparametrizationFigure('shuffled')),
  fig(45, 'Degeneracy of the zero-error set', 'reconstructed', ['E5', 'E6'], 'flat-minima', 'Spectrum of the converged solutions around the global minimum and loss curvature along random directions: many flat directions.', flatBuild('figures/fig-45.ts', [DEGENERACY_STEP, INTERPOLATION_STEP, FLAT_MINIMA_STEP])),
];

export function catalogEntry(id: string): CatalogEntry {
  const entry = CATALOG.find((e) => e.id === id);
  if (!entry) throw new Error(`unknown figure '${id}' (figures are fig-01 .. fig-45)`);
  return entry;
}
