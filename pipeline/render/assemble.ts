// Pass 1: FigureOutput -> one self-contained Vega-Lite spec.
//
// Figure modules refer to their data by name (`data: { name: 'points' }`, at the top, inside
// layers, concats or facets). Here the tables go in as top-level `datasets`, which Vega-Lite
// resolves at every level, and `$schema` names the major version of the installed vega-lite, so
// the written spec.vl.json opens as-is in the Vega editor or vega-embed.
import type { TopLevelSpec } from 'vega-lite';
import { version as vegaLiteVersion } from 'vega-lite';
import type { FigureOutput, Row } from '../../figures/types.ts';

export const VEGA_LITE_SCHEMA = `https://vega.github.io/schema/vega-lite/v${vegaLiteVersion.split('.')[0]}.json`;

/** Table names become file names (`<name>.csv`): keep them plain. */
const TABLE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

export class AssembleError extends Error {
  override name = 'AssembleError';
}

/**
 * The complete spec: `$schema` first, then the figure's spec, then `datasets` with each table.
 * The input is not modified. Non-finite numbers in the tables become null (JSON cannot hold them,
 * and Vega-Lite treats null as missing), the same as the CSV writer does.
 */
export function assembleSpec(output: FigureOutput): TopLevelSpec {
  const { spec, tables } = output;
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    throw new AssembleError('the figure spec must be an object');
  }
  for (const name of Object.keys(tables)) {
    if (!TABLE_NAME.test(name)) {
      throw new AssembleError(`table name '${name}' must be letters, digits, '_' or '-' (it becomes ${name}.csv)`);
    }
    if (!Array.isArray(tables[name])) throw new AssembleError(`table '${name}' must be an array of rows`);
  }

  const { $schema: _ignored, datasets: own, ...rest } = structuredClone(spec) as TopLevelSpec & {
    datasets?: Record<string, unknown>;
  };
  const datasets: Record<string, unknown> = { ...(own ?? {}) };
  for (const [name, rows] of Object.entries(tables)) {
    if (name in datasets) {
      throw new AssembleError(`table '${name}' is also defined in the spec's own datasets; keep one`);
    }
    datasets[name] = rows.map(cleanRow);
  }

  const missing = [...namedData(rest)].filter((name) => !(name in datasets)).sort();
  if (missing.length > 0) {
    const known = Object.keys(datasets).sort().join(', ') || 'none';
    throw new AssembleError(`the spec refers to data ${missing.map((m) => `'${m}'`).join(', ')} but no such table exists (tables: ${known})`);
  }

  return { $schema: VEGA_LITE_SCHEMA, ...rest, datasets } as TopLevelSpec;
}

function cleanRow(row: Row): Row {
  const out: Row = {};
  for (const [key, value] of Object.entries(row)) {
    out[key] = typeof value === 'number' && !Number.isFinite(value) ? null : value;
  }
  return out;
}

/** Every `data: { name }` anywhere in the spec (layers, concats, facets, lookups). */
export function namedData(spec: unknown): Set<string> {
  const names = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'data' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
        const name = (value as { name?: unknown }).name;
        if (typeof name === 'string') names.add(name);
      }
      // `from: { data: { name } }` of a lookup transform is reached by the same walk
      visit(value);
    }
  };
  visit(spec);
  return names;
}
