// The article preview renders Markdown without letting HTML or script URLs through; pasted items split on headings.
import { describe, expect, it } from 'vitest';
import { headingTitle, parsePastedItems } from '../src/pages/knowledge/bulkPaste.ts';
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

describe('a pasted heading line', () => {
  /** The pattern headings were read with until issue 11: quartic time on a line of spaces. */
  const oldTitle = (line: string) => /^#\s+(.+?)\s*#*\s*$/.exec(line)?.[1]?.trim() ?? null;

  it('gives the title the old pattern gave, for every short line of the characters that matter', () => {
    const alphabet = ['#', ' ', '\t', 'a', '\u2028'];
    let lines = [''];
    for (let length = 1; length <= 7; length++) {
      lines = lines.flatMap((line) => alphabet.map((ch) => line + ch));
      for (const line of lines)
        if (headingTitle(line) !== oldTitle(line))
          expect({ line, title: headingTitle(line) }).toEqual({ line, title: oldTitle(line) });
    }
  });

  it('is read in linear time from a line of spaces', () => {
    const spaces = ' '.repeat(100_000);
    expect(headingTitle(`#${spaces}\0${spaces}\u2028`)).toBe('\0');
    expect(headingTitle(`#${spaces}a\u2028b${spaces}`)).toBeNull();
    expect(headingTitle(`#${spaces}Returns${spaces}##${spaces}`)).toBe('Returns');
  });
});
