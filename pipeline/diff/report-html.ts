// The diff as one self-contained HTML page: everything it shows is inside the file (images as
// data URIs, the overlay specs as inline JSON, vega / vega-lite / vega-embed inlined), so it
// opens from disk, from a mail or from a CI artifact, with nothing to fetch.
//
// For every changed figure: A and B side by side, the pixel-diff image, an overlay chart (the
// figure's own spec with both runs' data, see overlay.ts) and the numbers.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { claimLine, conclusion, largestChange, pixelsLine, pixelsText, shortValue, tableLines, tolerance } from './format.ts';
import type { FigureDiff, RunDiff, RunSummary } from './types.ts';

/** The browser builds of the chart libraries, in load order. */
const LIBRARIES = [
  ['vega', 'vega.min.js'],
  ['vega-lite', 'vega-lite.min.js'],
  ['vega-embed', 'vega-embed.min.js'],
] as const;

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JSON that can sit inside a <script> element. */
export function inlineJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

function dataUri(png: Uint8Array | null): string | null {
  return png ? `data:image/png;base64,${Buffer.from(png).toString('base64')}` : null;
}

const STYLE = `
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d2330;margin:0;background:#fafafa}
main{max-width:1400px;margin:0 auto;padding:24px}
h1{font-size:1.6rem;margin:0 0 .3rem}h2{font-size:1.25rem;margin:2rem 0 .6rem}h3{font-size:1.05rem;margin:1.2rem 0 .4rem}
table{border-collapse:collapse;font-size:.9rem;background:#fff}th,td{border:1px solid #dde1e7;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f0f2f5}code{font-size:.85em;background:#eef0f3;padding:0 3px;border-radius:3px}
.verdict{font-weight:600}.v-identical{color:#2d7a3a}.v-data-changed{color:#b3261e}.v-rendering-changed,.v-added,.v-removed,.v-missing-in-one-run{color:#a15c00}
.beyond{color:#b3261e;font-weight:600}.within{color:#2d7a3a}.muted{color:#667085}.note{color:#a15c00}
.figure{background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:12px 18px;margin:18px 0}
.pictures{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:12px;align-items:start}
.pictures figure{margin:0}.pictures img{max-width:100%;height:auto;border:1px solid #e4e7ec;background:#fff}
figcaption{font-size:.85rem;color:#667085}.overlay{overflow-x:auto;min-height:60px}
.numbers li{margin:.15rem 0}.numbers ul{margin:.2rem 0 .4rem}
`;

const SCRIPT = `
for (const container of document.querySelectorAll('[data-overlay]')) {
  const status = container.parentElement.querySelector('.overlay-status');
  try {
    const spec = JSON.parse(document.getElementById(container.dataset.overlay).textContent);
    vegaEmbed(container, spec, { renderer: 'svg', actions: false }).then(
      (result) => { container.dataset.state = 'ready'; container.vegaView = result.view; if (status) status.textContent = 'A dashed or faint, B solid; hover for values.'; },
      (error) => { container.dataset.state = 'error'; if (status) status.textContent = 'The overlay could not be drawn: ' + error.message; },
    );
  } catch (error) {
    container.dataset.state = 'error';
    if (status) status.textContent = 'The overlay could not be drawn: ' + error.message;
  }
}
`;

function runRow(label: string, r: RunSummary): string {
  return `<tr><th>${label}</th><td><code>${escapeHtml(r.id)}</code></td><td>${escapeHtml(r.profile)}${r.overrides ? ` with <code>${escapeHtml(r.overrides)}</code>` : ''}</td><td>${escapeHtml(r.status)}</td><td>${escapeHtml(r.from)}</td></tr>`;
}

const verdictClass = (verdict: string): string => `verdict v-${verdict.replace(/ /g, '-')}`;

function toleranceCell(f: FigureDiff): string {
  if (f.verdict === 'identical') return '';
  return f.withinTolerance ? '<span class="within">within</span>' : '<span class="beyond">beyond</span>';
}

function numbers(f: FigureDiff): string {
  const items = f.tables.map((t) => {
    const { head, lines } = tableLines(t);
    return `<li>${escapeHtml(head)}${lines.length ? `<ul>${lines.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>` : ''}</li>`;
  });
  const pixels = pixelsLine(f);
  if (pixels) items.push(`<li>${escapeHtml(pixels)}</li>`);
  if (f.verdict === 'rendering changed') items.push(`<li>files that differ: ${f.filesChanged.map((n) => `<code>${escapeHtml(n)}</code>`).join(', ')}</li>`);
  if (f.claims.length) items.push(`<li>claims that changed: ${f.claims.map((c) => `<code>${escapeHtml(c)}</code>`).join(', ')}</li>`);
  for (const note of f.notes) items.push(`<li class="note">note: ${escapeHtml(note)}</li>`);
  return `<ul class="numbers">${items.join('')}</ul>`;
}

function picture(label: string, uri: string | null, alt: string, testId: string): string {
  if (!uri) return `<figure><figcaption>${label}: none</figcaption></figure>`;
  return `<figure><img src="${uri}" alt="${escapeHtml(alt)}" data-testid="${testId}"><figcaption>${label}</figcaption></figure>`;
}

function figureSection(f: FigureDiff, diff: RunDiff): string {
  const v = f.visual;
  const parts = [`<section class="figure" id="${f.id}" data-figure="${f.id}" data-verdict="${f.verdict}">`];
  parts.push(`<h3>${f.id}: ${escapeHtml(f.title)} <span class="${verdictClass(f.verdict)}">${f.verdict}</span> ${toleranceCell(f)}</h3>`);
  parts.push(numbers(f));
  if (v) {
    parts.push('<div class="pictures">');
    parts.push(picture(`A: ${escapeHtml(diff.a.id)}`, dataUri(v.a), `${f.id} in run A`, 'image-a'));
    parts.push(picture(`B: ${escapeHtml(diff.b.id)}`, dataUri(v.b), `${f.id} in run B`, 'image-b'));
    parts.push(picture('Pixels that differ (red) on a faded B', dataUri(v.highlight), `${f.id}: pixels that differ`, 'image-diff'));
    parts.push('</div>');
    const id = `overlay-${f.id}`;
    parts.push(`<h4>Overlay: both runs on the figure's own chart</h4><p class="overlay-status muted">Drawing the overlay…</p>`);
    if (v.overlayNote) parts.push(`<p class="muted">${escapeHtml(v.overlayNote)}</p>`);
    parts.push(`<div class="overlay" data-overlay="${id}" data-testid="overlay"></div>`);
    parts.push(`<script type="application/json" id="${id}">${inlineJson(v.overlay)}</script>`);
  }
  parts.push('</section>');
  return parts.join('\n');
}

async function libraries(repoRoot: string): Promise<string> {
  const code = await Promise.all(LIBRARIES.map(([pkg, file]) => readFile(join(repoRoot, 'node_modules', pkg, 'build', file), 'utf8')));
  return code.map((c) => `<script>${c.replace(/<\/script/gi, '<\\/script')}</script>`).join('\n');
}

export async function htmlReport(diff: RunDiff, options: { repoRoot: string }): Promise<string> {
  const changed = diff.figures.filter((f) => f.verdict === 'data changed' || f.verdict === 'rendering changed');
  const settings = diff.settings.length
    ? `<table data-testid="settings"><tr><th>group</th><th>setting</th><th>A</th><th>B</th></tr>${diff.settings.map((s) => `<tr><td>${s.group}</td><td><code>${escapeHtml(s.name)}</code></td><td title="${escapeHtml(s.a)}">${escapeHtml(shortValue(s.a))}</td><td title="${escapeHtml(s.b)}">${escapeHtml(shortValue(s.b))}</td></tr>`).join('')}</table>`
    : '<p>None: the same profile values, overrides, seed, code, engine, data and machine.</p>';
  const rows = diff.figures
    .map((f) => {
      const name = f.verdict === 'data changed' || f.verdict === 'rendering changed' ? `<a href="#${f.id}">${f.id}</a>` : f.id;
      return `<tr data-figure="${f.id}"><td>${name} ${escapeHtml(f.title)}</td><td class="${verdictClass(f.verdict)}">${f.verdict}</td><td>${toleranceCell(f)}</td><td>${escapeHtml(pixelsText(f))}</td><td>${escapeHtml(largestChange(f))}</td></tr>`;
    })
    .join('');
  const claims = diff.claims.length
    ? `<h2>Claims that changed</h2><ul>${diff.claims.map((c) => `<li class="${c.change === 'pass -> fail' ? 'beyond' : ''}">${escapeHtml(claimLine(c))}: ${escapeHtml(c.statement)}</li>`).join('')}</ul>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Run diff: ${escapeHtml(diff.a.id)} vs ${escapeHtml(diff.b.id)}</title><style>${STYLE}</style></head>
<body><main>
<h1>Run diff</h1>
<p class="${diff.withinTolerance ? 'within' : 'beyond'}" data-testid="conclusion">${escapeHtml(conclusion(diff))}</p>
<table>${runRow('A', diff.a)}${runRow('B', diff.b)}</table>
<h2>Settings that differ (A → B)</h2>
${settings}
<h2>Figures</h2>
<table data-testid="figures"><tr><th>figure</th><th>verdict</th><th>tolerance</th><th>pixels</th><th>largest change</th></tr>${rows}</table>
${diff.missingInBoth.length ? `<p class="muted">Not built in either run: ${diff.missingInBoth.length} figures.</p>` : ''}
${claims}
${changed.length ? '<h2>Changed figures</h2>' : ''}
${changed.map((f) => figureSection(f, diff)).join('\n')}
<p class="muted">Tolerance: ${escapeHtml(tolerance(diff.tolerance))}. Compared in ${diff.seconds.toFixed(2)} s.</p>
</main>
${changed.some((f) => f.visual) ? `${await libraries(options.repoRoot)}\n<script>${SCRIPT}</script>` : ''}
</body></html>
`;
}
