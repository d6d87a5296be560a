// The article preview renders Markdown without letting HTML or script URLs through; pasted items split on headings.
import { describe, expect, it } from 'vitest';
import { parsePastedItems } from '../src/pages/knowledge/bulkPaste.ts';
import { articleHtml } from '../src/pages/knowledge/markdown.ts';

describe('article preview', () => {
  it('renders headings, emphasis, lists and http links', () => {
    expect(
      articleHtml(
        '# Delivery\n\n**Free** over €50:\n\n- Spain\n- Portugal\n\n[Rates](https://shop.example/rates)',
      ),
    ).toBe(
      '<h1>Delivery</h1>\n<p><strong>Free</strong> over €50:</p>\n<ul>\n<li>Spain</li>\n<li>Portugal</li>\n</ul>\n<p><a href="https://shop.example/rates">Rates</a></p>',
    );
  });

  it('escapes raw HTML, flow and inline', () => {
    const html = articleHtml('<script>alert(1)</script>\n\nHi <img src=x onerror=alert(1)> there');
    expect(html).not.toMatch(/<script|<img/i);
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('drops javascript: and data: URLs from links and images', () => {
    const html = articleHtml(
      '[click](javascript:alert(1)) ![x](data:text/html;base64,PHNjcmlwdD4=) [ok](mailto:a@b.example)',
    );
    expect(html).not.toMatch(/javascript:|data:text/i);
    expect(html).toContain('href="mailto:a@b.example"');
  });

  it('sets nothing a browser would run when parsed as the preview', () => {
    const box = document.createElement('div');
    box.innerHTML = articleHtml(
      '<a href="javascript:alert(1)" onclick="x()">a</a> [b](  JAVASCRIPT:alert(1) )',
    );
    expect(box.querySelectorAll('script, [onclick], [onerror]')).toHaveLength(0);
    for (const link of box.querySelectorAll('a'))
      expect(link.getAttribute('href') ?? '').not.toMatch(/javascript/i);
  });
});

describe('pasting many knowledge items', () => {
  it('starts an item at each "# " heading and keeps the lines under it', () => {
    const pasted = parsePastedItems(
      'Intro line\n# Delivery\nWe ship in 5 days.\n\nTracking by e-mail.\n#  Returns ##\r\nFree within 30 days.\n',
    );
    expect(pasted).toEqual({
      items: [
        { title: 'Delivery', content: 'We ship in 5 days.\n\nTracking by e-mail.' },
        { title: 'Returns', content: 'Free within 30 days.' },
      ],
      untitled: 1,
    });
  });

  it('leaves sub-headings inside an item and finds nothing without a heading', () => {
    expect(parsePastedItems('# Prices\n## Panels\nFrom $9,000').items).toEqual([
      { title: 'Prices', content: '## Panels\nFrom $9,000' },
    ]);
    expect(parsePastedItems('no headings here')).toEqual({ items: [], untitled: 1 });
  });
});
