// The diff as Markdown, for a pull-request comment: the runs, the settings that differ, a table of
// figures, the claims that changed, and the numbers of each changed figure.
import { claimLine, conclusion, largestChange, pixelsLine, pixelsText, shortValue, tableLines, tolerance } from './format.ts';
import type { RunDiff, RunSummary } from './types.ts';

/** Text for a table cell: no pipes or line breaks. */
function md(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}

function runRow(label: string, r: RunSummary): string {
  return `| ${label} | ${code(r.id)} | ${md(r.profile)}${r.overrides ? ` with ${code(r.overrides)}` : ''} | ${md(r.status)} | ${md(r.from)} |`;
}

export function markdownReport(diff: RunDiff): string {
  const out: string[] = [];
  out.push(`## Run diff: ${diff.withinTolerance ? 'within tolerance' : 'changed beyond tolerance'}`, '');
  out.push(`**${md(conclusion(diff))}**`, '');
  out.push('| run | id | profile | status | read from |', '|---|---|---|---|---|', runRow('A', diff.a), runRow('B', diff.b), '');

  out.push('### Settings that differ (A → B)', '');
  if (diff.settings.length === 0) out.push('None: the same profile values, overrides, seed, code, engine, data and machine.', '');
  else {
    out.push('| group | setting | A | B |', '|---|---|---|---|');
    for (const s of diff.settings) out.push(`| ${s.group} | ${code(s.name)} | ${md(shortValue(s.a))} | ${md(shortValue(s.b))} |`);
    out.push('');
  }

  out.push('### Figures', '');
  out.push('| figure | verdict | tolerance | pixels | largest change |', '|---|---|---|---|---|');
  for (const f of diff.figures) {
    const within = f.verdict === 'identical' ? '' : f.withinTolerance ? 'within' : '**beyond**';
    out.push(`| ${f.id} ${md(f.title)} | ${f.verdict} | ${within} | ${md(pixelsText(f))} | ${md(largestChange(f))} |`);
  }
  if (diff.missingInBoth.length) out.push('', `Not built in either run: ${diff.missingInBoth.length} figures.`);
  out.push('');

  if (diff.claims.length > 0) {
    out.push('### Claims that changed', '');
    for (const c of diff.claims) out.push(`- ${c.change === 'pass -> fail' ? '**' : ''}${md(claimLine(c))}${c.change === 'pass -> fail' ? '**' : ''}: ${md(c.statement)}`);
    out.push('');
  }

  const changed = diff.figures.filter((f) => f.verdict === 'data changed' || f.verdict === 'rendering changed' || f.notes.length > 0);
  if (changed.length > 0) out.push('### Details', '');
  for (const f of changed) {
    out.push(`#### ${f.id}: ${md(f.title)} (${f.verdict}${f.verdict === 'identical' ? '' : f.withinTolerance ? ', within tolerance' : ''})`, '');
    for (const t of f.tables) {
      const { head, lines } = tableLines(t);
      out.push(`- ${md(head)}`, ...lines.map((l) => `  - ${md(l)}`));
    }
    const pixels = pixelsLine(f);
    if (pixels) out.push(`- ${pixels}`);
    if (f.verdict === 'rendering changed') out.push(`- files that differ: ${f.filesChanged.map(code).join(', ')}`);
    if (f.claims.length) out.push(`- claims that changed: ${f.claims.map(code).join(', ')}`);
    for (const note of f.notes) out.push(`- note: ${md(note)}`);
    out.push('');
  }
  out.push(`<sub>Tolerance: ${tolerance(diff.tolerance)}. Compared in ${diff.seconds.toFixed(2)} s.</sub>`, '');
  return out.join('\n');
}
