// The four profiles, from the fastest to the paper's own settings.
export const PROFILE_NAMES = ['smoke', 'preview', 'cifar', 'paper'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

/** One value per profile: each experiment's settings are written as such a table. */
export type PerProfile<T> = Record<ProfileName, T>;
