// Declares the MDS analyses of a training experiment, one step per layer.
import type { PaperLayer } from '../../engine/net.ts';
import type { Profile } from '../../profiles.ts';
import type { StepDecl } from '../../step.ts';
import type { Dissimilarity } from '../mds.ts';
import { mdsStepName } from './names.ts';
import type { TrajectoryMdsParams } from './step.ts';
import type { MdsViewDecl } from './views.ts';

export interface MdsDecl {
  /** the experiment's slug */
  experiment: string;
  /** the step whose snapshot artifact is mapped */
  source: string;
  layers: readonly PaperLayer[];
  views(profile: Profile): MdsViewDecl[];
  /** default 'chord' (Euclidean); 'cosine' embeds 1 - cos as the paper describes */
  dissimilarity?: Dissimilarity;
}

export function mdsSteps(decl: MdsDecl): StepDecl[] {
  return decl.layers.map((layer) => ({
    name: mdsStepName(decl.experiment, layer),
    kind: 'analysis' as const,
    entry: 'pipeline/analysis/trajectory-mds/step.ts',
    params: (profile: Profile): TrajectoryMdsParams => ({
      experiment: decl.experiment,
      source: decl.source,
      layer,
      dissimilarity: decl.dissimilarity ?? 'chord',
      views: decl.views(profile),
    }),
    inputs: [decl.source],
    usesEngine: false,
  }));
}
