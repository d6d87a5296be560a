// The page shown after Kommo's redirect when there is no app to return to.
const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!,
  );

export function oauthResultPage(outcome: { ok: boolean; message: string }): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Kommo — Closer</title></head>
<body style="font:16px system-ui;max-width:32rem;margin:4rem auto">
<h1>${outcome.ok ? 'Kommo is connected' : 'Kommo was not connected'}</h1>
<p>${escapeHtml(outcome.message)}</p><p>You can close this window.</p></body></html>`;
}
