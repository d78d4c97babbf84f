// Captions and notes are Markdown from the run's data: any HTML in them becomes text, code keeps
// its characters, and links lead only to the web or within the site.
import { describe, expect, it } from 'vitest';
import { withoutHtml, withSafeLinks } from '../../src/lib/safe-markdown.ts';

describe('Markdown from data', () => {
  it('turns every < outside code into text, and leaves code as it is', () => {
    expect(withoutHtml('a <script>x</script> b "><img src=x onerror=y> <!-- c -->')).toBe('a &lt;script>x&lt;/script> b ">&lt;img src=x onerror=y> &lt;!-- c -->');
    expect(withoutHtml('keep `a < b` and ``x <y> z``')).toBe('keep `a < b` and ``x <y> z``');
    expect(withoutHtml('```\n<b>code</b>\n```\n<b>text</b>')).toBe('```\n<b>code</b>\n```\n&lt;b>text&lt;/b>');
    expect(withoutHtml('an unclosed ` and <i>')).toBe('an unclosed ` and &lt;i>');
  });

  it('keeps links to the web and within the site, and removes the others', () => {
    const html = '<a href="https://arxiv.org/abs/1703.09833">a</a> <a href="../figures/fig-03/">b</a> <a href="#x">c</a> ' +
      '<a href="javascript:alert(1)">d</a> <a href="JaVa&#x09;script:alert(1)">e</a> <img src="data:text/html,x"> <a href="vbscript:x">f</a>';
    expect(withSafeLinks(html)).toBe('<a href="https://arxiv.org/abs/1703.09833">a</a> <a href="../figures/fig-03/">b</a> <a href="#x">c</a> ' +
      '<a href="#unsafe-link-removed">d</a> <a href="#unsafe-link-removed">e</a> <img src="#unsafe-link-removed"> <a href="#unsafe-link-removed">f</a>');
  });
});
