// A claim's result as runs record it (run manifests, the site, the diff).

export type ClaimStatus = 'pass' | 'fail' | 'not-applicable';

export interface ClaimResult {
  id: string;
  /** what the paper says, in our words */
  statement: string;
  /** the figures it belongs to */
  figures: string[];
  status: ClaimStatus;
  /** the measured numbers the verdict rests on, by name */
  numbers: Record<string, number | null>;
  /** the check, in words, with its thresholds */
  threshold: string;
  /** why it is not applicable, or not computed */
  reason?: string;
  /** the numbers in a sentence */
  summary?: string;
}
