// The paper studies networks that fit their training set. Whether a run is in that regime is
// measured on the models an experiment ends with, and said on every figure and claim that needs it.

/** At or below this training error (0.5 %) a model counts as fitting its training set. */
export const ZERO_TRAINING_ERROR = 0.005;

export interface Regime {
  /** every final model at or below ZERO_TRAINING_ERROR */
  atZero: boolean;
  /** the worst final training error */
  trainError: number;
  /** which models were looked at, e.g. 'the 8 models of the last stage' */
  models: string;
}

export function regimeOf(finalTrainErrors: number[], models: string): Regime {
  if (finalTrainErrors.length === 0) throw new Error(`no models to judge the regime on (${models})`);
  const trainError = Math.max(...finalTrainErrors);
  return { atZero: trainError <= ZERO_TRAINING_ERROR, trainError, models };
}

/** Where the run stands, without a verdict word: 'the 8 models of the last stage end at ...'. */
export function regimeDetail(regime: Regime): string {
  const pct = `${(100 * regime.trainError).toFixed(1)} %`;
  return regime.atZero
    ? `${regime.models} end at ${pct} training error or less`
    : `${regime.models} end at up to ${pct} training error, while the paper's networks fit their training set (0 %)`;
}

/** One sentence for a caption or a claim: where the run is with respect to the paper's regime. */
export function describeRegime(regime: Regime): string {
  return `${regime.atZero ? "In the paper's regime" : "Outside the paper's regime"}: ${regimeDetail(regime)}.`;
}

/** One regime for a figure that shows the models of several experiments: every set must fit. */
export function combineRegimes(regimes: Regime[]): Regime {
  return {
    atZero: regimes.every((r) => r.atZero),
    trainError: Math.max(...regimes.map((r) => r.trainError)),
    models: regimes.map((r) => r.models).join(', and '),
  };
}
