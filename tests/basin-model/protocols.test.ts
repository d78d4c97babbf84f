import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readBasinArtifact, type BasinArtifact } from '../../pipeline/experiments/basin-model/artifact.ts';
import { interpolationChecks, MIN_LEAVE_SHARE, perturbationChecks } from '../../pipeline/experiments/basin-model/checks.ts';
import type { ArtifactRef } from '../../pipeline/step.ts';
import { basinModelArtifact } from './smoke-artifacts.ts';

let ref: ArtifactRef;
let art: BasinArtifact;

beforeAll(async () => {
  ref = await basinModelArtifact('smoke');
  art = await readBasinArtifact(ref);
});

async function digests(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) await walk(path);
      else out[relative(dir, path)] = createHash('sha256').update(await readFile(path)).digest('hex');
    }
  };
  await walk(dir);
  return out;
}

describe('basin model protocols (smoke profile)', () => {
  it('returns every run perturbed by less than the margin to its own floor', () => {
    const p = art.perturb;
    const inside = p.runs.filter((r) => r.norm < p.margin);
    expect(inside.length).toBeGreaterThan(0);
    for (const r of inside) expect(r.endBasin).toBe(p.startBasin);
    // the margin is what it claims: half the distance from the start to the nearest other floor
    const others = art.model.floors.filter((_, i) => i !== p.startBasin);
    const nearest = Math.min(...others.map((f) => Math.hypot(p.start.x - f.x, p.start.y - f.y) - f.r));
    expect(p.margin).toBeCloseTo(nearest / 2, 12);
  });

  it('sends a measurable share of large perturbations to other basins', () => {
    const large = art.perturb.runs.filter((r) => r.size === 'large');
    const left = large.filter((r) => r.endBasin >= 0 && r.endBasin !== art.perturb.startBasin);
    expect(left.length / large.length).toBeGreaterThanOrEqual(MIN_LEAVE_SHARE);
    // and every retrained run reaches a floor, exactly at zero loss
    for (const r of art.perturb.runs) {
      expect(r.endBasin).toBeGreaterThanOrEqual(0);
      expect(r.end.loss).toBe(0);
    }
  });

  it('keeps the loss at or below the end points mean within a basin, and above both between basins', () => {
    const within = art.interpolation.filter((l) => l.kind === 'within');
    const between = art.interpolation.filter((l) => l.kind === 'between');
    expect(within.length).toBeGreaterThan(0);
    expect(between.length).toBeGreaterThan(0);
    for (const line of art.interpolation) {
      const inner = line.a.map((a, k) => ({ a, loss: line.loss[k]! })).filter(({ a }) => a >= 0 && a <= 1);
      const l0 = inner.find(({ a }) => a === 0)!.loss;
      const l1 = inner.find(({ a }) => a === 1)!.loss;
      const top = Math.max(...inner.map((p) => p.loss));
      if (line.kind === 'within') expect(top).toBeLessThanOrEqual((l0 + l1) / 2);
      else expect(top).toBeGreaterThan(Math.max(l0, l1));
    }
  });

  it('reports the same through the properties the figures show', () => {
    const checks = [...perturbationChecks(art.perturb), ...interpolationChecks(art.interpolation)];
    expect(checks).toHaveLength(4);
    for (const c of checks) expect(c.holds, `${c.name}: ${c.detail}`).toBe(true);
  });

  it('stops noisy runs on floors exactly, and records what they ended on', () => {
    for (const r of [...art.runs.fractal, ...art.runs.plain]) {
      if (r.trajectory.settledAt !== null) {
        expect(r.trajectory.end.loss).toBe(0);
        expect(r.place.kind).toBe('floor');
      } else expect(r.trajectory.end.loss).toBeGreaterThan(0);
    }
    // every plain run settles: there is nowhere else to stop
    expect(art.runs.plain.every((r) => r.trajectory.settledAt !== null)).toBe(true);
  });

  it('is deterministic: a second run writes byte-identical files', async () => {
    const again = await basinModelArtifact('smoke');
    const [a, b] = await Promise.all([digests(ref.dir), digests(again.dir)]);
    expect(Object.keys(a).length).toBeGreaterThan(5);
    expect(b).toEqual(a);
  });
});
