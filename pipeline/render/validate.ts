// Pass 2: check the assembled spec against the JSON schema that the installed vega-lite ships.
//
// Vega-Lite's compiler accepts many broken specs silently (an unknown mark type fails late and
// cryptically, an unknown encoding type is dropped with a warning), so the schema is the gate.
// The validator is compiled once per process: the schema is large and compiling it is the slow part.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

export interface SchemaIssue {
  /** JSON pointer into the spec, e.g. `/layer/0/mark` ('' for the root) */
  path: string;
  message: string;
}

export class SpecValidationError extends Error {
  override name = 'SpecValidationError';
  constructor(readonly issues: SchemaIssue[], label = 'spec') {
    super(`${label} is not a valid Vega-Lite spec:\n${issues.map((i) => `  ${i.path || '/'}: ${i.message}`).join('\n')}`);
  }
}

let compiled: ValidateFunction | undefined;

/** The ajv validator for the vega-lite schema, built on first use. */
export function vegaLiteValidator(): ValidateFunction {
  if (compiled) return compiled;
  // resolved through the package's own export, so it is always the schema of the installed version
  const require = createRequire(import.meta.url);
  const schema = JSON.parse(readFileSync(require.resolve('vega-lite/vega-lite-schema.json'), 'utf8')) as object;
  const ajv = new Ajv({
    // the schema uses draft-07 idioms that ajv's strict mode rejects (union types, unknown keywords)
    strict: false,
    allowUnionTypes: true,
    allErrors: true,
    // errors carry the schema object that raised them, which tells the union's branches apart
    verbose: true,
    // ajv's optimiser pass over the generated code costs more than it saves for a one-off schema
    code: { optimize: false },
    // formats would need ajv-formats; the hex colour is checked by a small pattern, URIs are free text
    formats: { 'color-hex': /^#([0-9a-f]{3}|[0-9a-f]{4}|[0-9a-f]{6}|[0-9a-f]{8})$/i, uri: true, 'uri-reference': true },
  });
  compiled = ajv.compile(schema);
  return compiled;
}

/** The problems with `spec`, most specific first; empty when it is valid. */
export function checkSpec(spec: unknown): SchemaIssue[] {
  const validate = vegaLiteValidator();
  if (validate(spec)) return [];
  return summarise(validate.errors ?? []);
}

/** Throws SpecValidationError listing the path and message of each problem. */
export function validateSpec(spec: unknown, label?: string): void {
  const issues = checkSpec(spec);
  if (issues.length > 0) throw new SpecValidationError(issues, label);
}

const MAX_ISSUES = 8;

/**
 * The vega-lite schema is one big union (unit | layer | concat | facet | ...), so one mistake yields
 * dozens of errors from the branches that were never meant. Where the spec went wrong is a leaf:
 * an error path that is not the parent of another error path (the errors at the parents come from
 * branches that gave up higher up). At each leaf the messages of the branches are merged into one.
 */
function summarise(errors: ErrorObject[]): SchemaIssue[] {
  const pool = errors.filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf' && e.keyword !== 'if');
  const paths = [...new Set(pool.map((e) => e.instancePath))];
  const leaves = paths.filter((p) => !paths.some((q) => q !== p && q.startsWith(p + '/')) && !(p === '' && paths.length > 1));
  // deepest first, then in document order
  leaves.sort((a, b) => b.split('/').length - a.split('/').length || a.localeCompare(b));
  const issues = leaves.map((path) => ({ path, message: mergeAtPath(pool.filter((e) => e.instancePath === path)) }));
  if (issues.length > MAX_ISSUES) {
    const more = issues.length - MAX_ISSUES;
    return [...issues.slice(0, MAX_ISSUES), { path: '', message: `... and ${more} more` }];
  }
  return issues;
}

/**
 * One message from the errors that the union's branches raised at the same place. Errors are
 * grouped by the schema object that raised them (one group per branch of the union); the branches
 * with the fewest complaints are the closest readings of what the author meant, and only theirs
 * are reported: a unit spec with a misspelt property says "unknown property 'colour'", not also
 * "missing property 'layer'" from the layer-spec reading.
 */
function mergeAtPath(errors: ErrorObject[]): string {
  const branches = new Map<unknown, ErrorObject[]>();
  for (const e of errors) {
    const key = e.parentSchema ?? e.schemaPath;
    branches.set(key, [...(branches.get(key) ?? []), e]);
  }
  const fewest = Math.min(...[...branches.values()].map((b) => b.length));
  const closest = [...branches.values()].filter((b) => b.length === fewest).flat();

  const allowed = new Set<string>();
  const types = new Set<string>();
  const unknown = new Set<string>();
  const missing = new Set<string>();
  const other = new Set<string>();
  for (const e of closest) {
    const p = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case 'enum':
        for (const v of p.allowedValues as unknown[]) allowed.add(JSON.stringify(v));
        break;
      case 'const':
        allowed.add(JSON.stringify(p.allowedValue));
        break;
      case 'type':
        for (const t of String(p.type).split(',')) types.add(t);
        break;
      case 'additionalProperties':
        unknown.add(`'${String(p.additionalProperty)}'`);
        break;
      case 'required':
        missing.add(`'${String(p.missingProperty)}'`);
        break;
      default:
        other.add(e.message ?? e.keyword);
    }
  }

  const parts: string[] = [];
  if (allowed.size > 0) {
    const tail = types.size > 0 ? `, or of type ${[...types].join(' | ')}` : '';
    parts.push(`must be one of ${[...allowed].join(', ')}${tail}`);
  } else if (types.size > 0) {
    parts.push(`must be of type ${[...types].join(' | ')}`);
  }
  if (unknown.size > 0) parts.push(`unknown property ${[...unknown].join(', ')}`);
  if (missing.size > 0) parts.push(`missing property ${[...missing].join(' or ')}`);
  parts.push(...other);
  return parts.join('; ');
}
