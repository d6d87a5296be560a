// The markdown subset renders as elements, and no payload in model output or knowledge becomes live HTML.
import { render } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import { renderMarkdown, safeHref } from '../src/ui/markdown.ts';

const draw = (source: string) => render(<div>{renderMarkdown(source)}</div>).container.firstElementChild!;

describe('the markdown subset', () => {
  it('renders bold, italic, inline code, line breaks and paragraphs', () => {
    const root = draw(
      '**Solar** saves *money* and `kWh`.\nSecond line\n\nNew paragraph with __bold__ and _it_',
    );
    expect(root.innerHTML).toBe(
      '<p><strong>Solar</strong> saves <em>money</em> and <code>kWh</code>.<br>Second line</p>' +
        '<p>New paragraph with <strong>bold</strong> and <em>it</em></p>',
    );
  });

  it('renders bullet and numbered lists, keeping a numbered list’s start', () => {
    const root = draw('Options:\n- Lease\n- **Loan**\n\n3. Survey\n4. Install');
    expect(root.innerHTML).toBe(
      '<p>Options:</p><ul><li>Lease</li><li><strong>Loan</strong></li></ul><ol start="3"><li>Survey</li><li>Install</li></ol>',
    );
  });

  it('links http(s), mailto and tel with a safe rel, and bare URLs too', () => {
    const root = draw(
      '[Book](https://sunpeak.example/book) or mail [us](mailto:hi@sunpeak.example), call [now](tel:+15550100), see https://sunpeak.example/faq.',
    );
    const links = [...root.querySelectorAll('a')];
    expect(links.map((a) => [a.textContent, a.getAttribute('href')])).toEqual([
      ['Book', 'https://sunpeak.example/book'],
      ['us', 'mailto:hi@sunpeak.example'],
      ['now', 'tel:+15550100'],
      ['https://sunpeak.example/faq', 'https://sunpeak.example/faq'],
    ]);
    for (const a of links) {
      expect(a.getAttribute('rel')).toBe('noopener noreferrer nofollow');
      expect(a.getAttribute('target')).toBe('_blank');
    }
    expect(root.textContent).toContain('see https://sunpeak.example/faq.');
  });

  it('accepts only http(s), mailto and tel as link targets', () => {
    expect(safeHref('https://a.example/x?y=1')).toBe('https://a.example/x?y=1');
    for (const bad of [
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      ' javascript:alert(1)',
      'java\tscript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox(1)',
      '//evil.example',
      '/relative',
      'file:///etc/passwd',
      'https://',
    ]) {
      expect(safeHref(bad)).toBeNull();
    }
  });
});

// Payloads that have broken other chat widgets: each must end up as visible text, nothing executable.
const XSS = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '<svg onload=alert(1)>',
  '<iframe src="javascript:alert(1)"></iframe>',
  '[click](javascript:alert(1))',
  '[click](JAVASCRIPT:alert(1))',
  '[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
  '[x](https://ok.example" onmouseover="alert(1))',
  '**<b onmouseover=alert(1)>bold</b>**',
  '`<script>alert(1)</script>`',
  '<a href="javascript:alert(1)">x</a>',
  '"><script>alert(document.cookie)</script>',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
  '<details open ontoggle=alert(1)>',
  '&lt;script&gt;alert(1)&lt;/script&gt;',
  '- <img src=x onerror=alert(1)>\n- [a](javascript:alert(1))',
  '![image](https://evil.example/x.png)',
  '<style>*{display:none}</style>',
  '<form action="https://evil.example"><input name=password></form>',
];

describe('lines built to make the markdown patterns backtrack (linear since issue 11)', () => {
  it('renders a line of unclosed links as text', () => {
    const line = 's[!](<'.repeat(40_000);
    const root = draw(line);
    expect(root.querySelector('a')).toBeNull();
    expect(root.textContent).toBe(line);
  });

  it('renders a bullet whose text breaks the line as a paragraph, as before', () => {
    const line = `- ${' '.repeat(200_000)}a\u2028b`;
    const root = draw(line);
    expect(root.querySelector('li')).toBeNull();
    expect(root.textContent).toBe(line);
    expect(draw('-   Lease').innerHTML).toBe('<ul><li>Lease</li></ul>');
    expect(draw('12)  Install').innerHTML).toBe('<ol start="12"><li>Install</li></ol>');
  });

  it('links the innermost brackets, as CommonMark does', () => {
    const root = draw('[a [b](https://sunpeak.example/b)');
    expect(root.innerHTML).toBe(
      '<p>[a <a href="https://sunpeak.example/b" target="_blank" rel="noopener noreferrer nofollow">b</a></p>',
    );
  });
});

describe('hostile text from a model or a knowledge item', () => {
  it.each(XSS)('renders %j inert', (payload) => {
    const root = draw(payload);
    expect(
      root.querySelectorAll('script, img, svg, iframe, style, form, input, details, math, b, table'),
    ).toHaveLength(0);
    for (const el of root.querySelectorAll('*')) {
      for (const attr of el.attributes) {
        expect(attr.name).not.toMatch(/^on/i);
        if (attr.name === 'href') expect(attr.value).toMatch(/^(https?:|mailto:|tel:)/);
      }
    }
    // Markup is shown as the characters it is made of.
    if (payload.includes('<')) expect(root.textContent).toContain('<');
    if (payload.includes('alert(')) expect(root.textContent).toMatch(/alert\(/);
  });
});

describe('text on the agent’s accent colour', () => {
  it('is dark on light accents and white on dark ones', async () => {
    const { textOn } = await import('../src/launcher/contrast.ts');
    expect(textOn('#f59e0b')).toBe('#111827'); // amber: white would be 2.1:1
    expect(textOn('#4f46e5')).toBe('#fff');
    expect(textOn('#ffffff')).toBe('#111827');
    expect(textOn('#000000')).toBe('#fff');
    expect(textOn('not a colour')).toBe('#fff');
  });
});
