// What a figure module is: a pure view of cached artifacts.
//
// A figure module turns the artifacts of its input steps into a Vega-Lite spec, the tables the
// spec draws, and a caption in our own words that states the settings actually used. It never
// trains or simulates anything itself; that belongs to experiments and analyses.
import type { TopLevelSpec } from 'vega-lite';
import type { ArtifactRef } from '../pipeline/step.ts';
import type { Regime } from '../pipeline/experiments/kit/regime.ts';
import type { Profile } from '../pipeline/profiles.ts';

export type Cell = string | number | boolean | null;
export type Row = Record<string, Cell>;

/**
 * A property of a model that holds by how it is built (the basin model's floors, the fits' error
 * falling with degree), shown with this run's numbers. It is not a finding about the paper's
 * claims (those are in pipeline/claims/) and is never shown as a passed check; the tests assert it.
 */
export interface FigureProperty {
  name: string;
  holds: boolean;
  detail: string;
}
export interface FigureOutput {
  /**
   * The Vega-Lite spec. Data is referenced by name (`{ name: 'points' }`, also inside layers
   * and facets); the renderer puts `tables` in as top-level `datasets`.
   */
  spec: TopLevelSpec;
  /** each table the spec names, as rows; also written as `<name>.csv` */
  tables: Record<string, Row[]>;
  /** Markdown, our own words, with the settings actually used (sizes, epochs, rates, seeds) */
  caption: string;
  /** properties of the model behind the figure that hold by construction (optional) */
  properties?: FigureProperty[];
  /**
   * For figures of trained networks: whether the run is in the paper's regime (zero training
   * error); the site shows a notice when it is not.
   */
  regime?: Regime;
  /** panels of the paper's figure that this build does not have yet, and why */
  missing?: string[];
}

export interface FigureContext<P = unknown> {
  profile: Profile;
  params: P;
  inputs: Record<string, ArtifactRef>;
}

export interface FigureModule<P = unknown> {
  build(ctx: FigureContext<P>): Promise<FigureOutput>;
}
