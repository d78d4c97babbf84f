// What a figure module is: a pure view of cached artifacts.
//
// A figure module turns the artifacts of its input steps into a Vega-Lite spec, the tables the
// spec draws, and a caption in our own words that states the settings actually used. It never
// trains or simulates anything itself; that belongs to experiments and analyses.
import type { TopLevelSpec } from 'vega-lite';
import type { ArtifactRef } from '../pipeline/step.ts';
import type { Profile } from '../pipeline/profiles.ts';

export type Cell = string | number | boolean | null;
export type Row = Record<string, Cell>;

/** A property checked on the computed data, shown on the figure page (pass or fail). */
export interface FigureCheck {
  name: string;
  passed: boolean;
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
  /** properties verified on the data (optional) */
  checks?: FigureCheck[];
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
