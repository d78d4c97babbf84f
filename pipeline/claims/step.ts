// The step `claims:<group>`: evaluates the claims of one group's module on its input artifacts.
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { StepContext } from '../step.ts';
import { writeClaims } from './artifact.ts';
import type { ClaimModule } from './claim.ts';
import { evaluateClaims } from './evaluate.ts';

export interface ClaimsStepParams {
  group: string;
  module: string;
}

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export async function loadClaimModule(module: string): Promise<ClaimModule> {
  const loaded = (await import(pathToFileURL(join(repoRoot, module)).href)) as Partial<ClaimModule>;
  if (!Array.isArray(loaded.claims)) throw new Error(`${module} does not export its claims ('export const claims: ClaimDecl[]')`);
  return loaded as ClaimModule;
}

export async function run(ctx: StepContext<ClaimsStepParams>): Promise<void> {
  const { group, module } = ctx.params;
  const results = await evaluateClaims(await loadClaimModule(module), { inputs: ctx.inputs });
  const count = (s: string) => results.filter((r) => r.status === s).length;
  ctx.log(`${count('pass')} pass, ${count('fail')} fail, ${count('not-applicable')} not applicable`);
  await writeClaims(ctx.outDir, { group, results });
}
