import type { PerProfile } from './names.ts';

/** The embedded synthetic dataset, written in the CIFAR-10 binary format. */
export interface SyntheticDataSettings {
  kind: 'synthetic';
  seed: number;
  train: number;
  test: number;
}

/** CIFAR-10 (downloaded and checksum-verified, or read from --cifar-dir); the first N images. */
export interface CifarDataSettings {
  kind: 'cifar';
  train: number;
  test: number;
  /**
   * Set only for a run on a copy whose files are not the official ones (--allow-unofficial-data):
   * their SHA-256 by file name, so that the copy keys everything computed from it.
   */
  unofficial?: Record<string, string>;
}

export type DataSettings = SyntheticDataSettings | CifarDataSettings;

export const data: PerProfile<DataSettings> = {
  smoke: { kind: 'synthetic', seed: 1, train: 200, test: 100 },
  preview: { kind: 'synthetic', seed: 1, train: 1000, test: 500 },
  cifar: { kind: 'cifar', train: 5000, test: 2000 },
  paper: { kind: 'cifar', train: 50000, test: 10000 },
};
