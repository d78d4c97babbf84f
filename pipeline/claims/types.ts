// What a run records about each of the paper's claims checked on its data (run manifest
// `claims`). The checks themselves live elsewhere; this is the shape the site and the diff read.

export type ClaimStatus = 'pass' | 'fail' | 'not-applicable';

export interface ClaimResult {
  /** stable across runs, so two runs' results for one claim can be paired */
  id: string;
  /** the claim, in our own words */
  statement: string;
  /** the figures whose data the check reads */
  figures: string[];
  status: ClaimStatus;
  /** the measured numbers the verdict rests on (null: could not be measured) */
  numbers: Record<string, number | null>;
  /** the rule the numbers are held to, in words */
  threshold: string;
  /** why it failed or does not apply */
  reason?: string;
}
