// The names of the MDS analysis steps, shared by the experiment declarations, the catalog and the
// claims without importing anything heavy.
import type { PaperLayer } from '../../engine/net.ts';

export const MDS_STEP_PREFIX = 'analysis:mds:';

/** `analysis:mds:<experiment slug>:layer-<L>` */
export function mdsStepName(slug: string, layer: PaperLayer): string {
  return `${MDS_STEP_PREFIX}${slug}:layer-${layer}`;
}
