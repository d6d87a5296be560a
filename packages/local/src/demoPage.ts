// The page served at / by `pnpm start`: what is running and how to call it.
import type { DemoKeys } from './demoKeys.ts';

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!,
  );

/** `apiUrl`: where this page reaches the functions (the widget's `data-api`). */
export function demoPage(demo: DemoKeys | null, apiUrl = 'http://localhost:54321/functions/v1'): string {
  const first = demo?.agents[0];
  const widget = first
    ? `<script src="/widget/closer.js" data-key="${escapeHtml(first.publishableKey)}" data-api="${escapeHtml(apiUrl)}" async></script>`
    : '';
  const agents = (demo?.agents ?? [])
    .map(
      (agent) =>
        `<li><strong>${escapeHtml(agent.name)}</strong> (${escapeHtml(agent.language)}) — publishable key <code>${escapeHtml(agent.publishableKey)}</code></li>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Closer — local stack</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 3rem auto; padding: 0 1rem; color: #1f2937; }
  code { background: #f3f4f6; padding: .1rem .3rem; border-radius: 4px; }
</style>
</head>
<body>
<h1>Closer is running</h1>
<p>Every function is served under <code>/functions/v1</code>, as on Supabase:
<a href="/functions/v1/health/ready">/functions/v1/health/ready</a>.</p>
<h2>Demo agents</h2>
<ul>${agents || '<li>No demo organisation in this database.</li>'}</ul>
<p>The demo organisation's secret key was printed in the terminal that started the stack; it never appears in a page.</p>
<h2>The widget</h2>
<p>The chat bubble in the corner is <code>@closer/widget</code>, embedded with one tag (docs/widget.md):</p>
<pre><code>${escapeHtml(widget || 'No demo agent.')}</code></pre>
${widget}
</body>
</html>`;
}
