// Captions and notes come from the run's data (figure modules write them from settings and
// results), so on the site they are Markdown without HTML: whatever they hold shows as text. A
// `<` outside code is written as the entity `&lt;` (inside code spans and blocks it is text
// already), so no tag, comment or script can come out of the Markdown; and a link or image may
// only point at the web (http, https, mailto) or within the site, never at a javascript: or
// data: URL.

/** Markdown source with every `<` outside code turned into text. */
export function withoutHtml(markdown: string): string {
  let out = '';
  let i = 0;
  while (i < markdown.length) {
    const fence = /^(`{3,}|~{3,})/.exec(markdown.slice(i));
    const atLineStart = i === 0 || markdown[i - 1] === '\n';
    if (fence && atLineStart) {
      // a fenced block runs to the same fence at the start of a later line (or the end)
      const close = markdown.indexOf(`\n${fence[1]}`, i + fence[1]!.length);
      const end = close < 0 ? markdown.length : close + 1 + fence[1]!.length;
      out += markdown.slice(i, end);
      i = end;
      continue;
    }
    if (markdown[i] === '`') {
      // a code span: the same number of backticks closes it
      const run = /^`+/.exec(markdown.slice(i))![0];
      const close = markdown.indexOf(run, i + run.length);
      if (close >= 0) {
        out += markdown.slice(i, close + run.length);
        i = close + run.length;
        continue;
      }
    }
    out += markdown[i] === '<' ? '&lt;' : markdown[i];
    i++;
  }
  return out;
}

const SAFE_URL = /^(https?:|mailto:|#|\/|\.{0,2}\/|[^:]*$)/i;

/** Rendered HTML whose links and images lead nowhere unsafe. */
export function withSafeLinks(html: string): string {
  return html.replace(/\s(href|src)="([^"]*)"/gi, (whole, attribute: string, url: string) => {
    const decoded = url.replace(/&#x?[0-9a-f]+;|&[a-z]+;/gi, '').replace(/[\s\u0000-\u001f]/g, '');
    return SAFE_URL.test(decoded) ? whole : ` ${attribute}="#unsafe-link-removed"`;
  });
}
