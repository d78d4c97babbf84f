// The diff in the terminal: the two runs, the settings that differ, a table of figures with their
// verdicts, the claims that changed, then the numbers of every changed figure.
import { chalk } from 'zx';
import { claimLine, conclusion, largestChange, pixelsLine, pixelsText, runLine, shortValue, tableLines } from './format.ts';
import type { FigureVerdict, RunDiff } from './types.ts';

type Paint = (text: string) => string;

function painter(color: boolean): Record<'bold' | 'dim' | 'red' | 'green' | 'yellow', Paint> {
  const plain: Paint = (t) => t;
  if (!color) return { bold: plain, dim: plain, red: plain, green: plain, yellow: plain };
  return { bold: chalk.bold, dim: chalk.gray, red: chalk.red, green: chalk.green, yellow: chalk.yellow };
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

/** Rows of cells as aligned columns. */
function columns(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : pad(c, widths[i]!))).join('  ').trimEnd());
}

export function textReport(diff: RunDiff, options: { color?: boolean } = {}): string {
  const p = painter(options.color ?? false);
  const verdictPaint: Record<FigureVerdict, Paint> = {
    identical: p.green,
    'data changed': p.red,
    'rendering changed': p.yellow,
    added: p.yellow,
    removed: p.yellow,
    'missing in one run': p.yellow,
  };
  const out: string[] = [runLine('A', diff), runLine('B', diff), ''];

  if (diff.settings.length === 0) out.push(p.dim('Settings: the same in both runs (profile, overrides, seed, code, engine, data, machine)'));
  else {
    out.push(p.bold('Settings that differ (A -> B)'));
    out.push(...columns(diff.settings.map((s) => [`  ${s.group}`, s.name, `${shortValue(s.a)} -> ${shortValue(s.b)}`])));
  }
  out.push('');

  if (diff.figures.length > 0) {
    const rows = [['figure', 'verdict', 'tolerance', 'pixels', 'largest change']];
    for (const f of diff.figures) rows.push([f.id, f.verdict, f.verdict === 'identical' ? '' : f.withinTolerance ? 'within' : 'beyond', pixelsText(f), largestChange(f)]);
    const lines = columns(rows);
    out.push(p.bold(lines[0]!));
    diff.figures.forEach((f, i) => out.push(lines[i + 1]!.replace(f.verdict, verdictPaint[f.verdict](f.verdict))));
  }
  if (diff.missingInBoth.length > 0) out.push(p.dim(`not built in either run: ${diff.missingInBoth.length} figures`));

  if (diff.claims.length > 0) {
    out.push('', p.bold('Claims that changed'));
    for (const c of diff.claims) out.push(`  ${c.change === 'pass -> fail' ? p.red(claimLine(c)) : claimLine(c)}`);
  }

  for (const f of diff.figures.filter((x) => x.verdict === 'data changed' || x.verdict === 'rendering changed' || x.notes.length > 0)) {
    out.push('', `${p.bold(f.id)} ${f.title}: ${verdictPaint[f.verdict](f.verdict)}${f.verdict === 'identical' ? '' : f.withinTolerance ? ' (within tolerance)' : ''}`);
    for (const t of f.tables) {
      const { head, lines } = tableLines(t);
      out.push(`  ${head}`, ...lines.map((l) => `    ${l}`));
    }
    const pixels = pixelsLine(f);
    if (pixels) out.push(`  ${pixels}`);
    if (f.verdict === 'rendering changed') out.push(`  files that differ: ${f.filesChanged.join(', ')}`);
    if (f.claims.length) out.push(`  claims that changed: ${f.claims.join(', ')}`);
    for (const note of f.notes) out.push(p.yellow(`  note: ${note}`));
  }
  out.push('', (diff.withinTolerance ? p.green : p.red)(conclusion(diff)) + p.dim(` in ${diff.seconds.toFixed(2)} s`));
  return out.join('\n') + '\n';
}
