// A picture of the widget as visitors will see it with the draft's name, colour, side, mode, greeting and
// starter prompts; it follows every keystroke (the real widget runs in the Playground).
import { t } from '../../../i18n/messages.ts';
import { themeChoice } from '../../../theme.ts';
import type { AgentDraft } from '../draft.ts';

/** Black or white text, whichever reads better on the accent colour (WCAG relative luminance). */
export function textOn(hex: string): '#000000' | '#ffffff' {
  const channel = (i: number) => {
    const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
  return luminance > 0.179 ? '#000000' : '#ffffff';
}

export function WidgetPreview({ draft }: { draft: AgentDraft }) {
  const accent = /^#[0-9a-fA-F]{6}$/.test(draft.theme.accentColor) ? draft.theme.accentColor : '#4f46e5';
  const dark =
    draft.theme.mode === 'dark' ||
    (draft.theme.mode === 'auto' &&
      (themeChoice.value === 'dark' ||
        (themeChoice.value === 'system' && matchMedia('(prefers-color-scheme: dark)').matches)));
  const colours = dark
    ? { background: '#1f2023', text: '#f2f2f3', bubble: '#2c2d31' }
    : { background: '#ffffff', text: '#1b1d24', bubble: '#f1f2f5' };
  const side = draft.theme.position === 'left' ? { left: '12px' } : { right: '12px' };
  const onAccent = textOn(accent);
  return (
    <figure class="card widget-preview" aria-label={t('agent.preview')}>
      <figcaption class="muted">{t('agent.preview')}</figcaption>
      <div class="preview-stage" data-mode={dark ? 'dark' : 'light'}>
        <div class="preview-panel" style={{ ...side, background: colours.background, color: colours.text }}>
          <div class="preview-header" style={{ background: accent, color: onAccent }}>
            {draft.name || t('agents.name')}
          </div>
          <div class="preview-log">
            {draft.greeting && (
              <p class="preview-msg" style={{ background: colours.bubble }}>
                {draft.greeting}
              </p>
            )}
            <div class="preview-prompts">
              {draft.starterPrompts
                .filter((prompt) => prompt.trim())
                .map((prompt) => (
                  <span key={prompt} class="preview-prompt" style={{ borderColor: accent }}>
                    {prompt}
                  </span>
                ))}
            </div>
          </div>
        </div>
        <div
          class="preview-bubble"
          style={{ ...side, background: accent, color: onAccent }}
          aria-hidden="true"
        >
          <svg width="24" height="24" viewBox="0 0 24 24" fill="currentColor" aria-hidden="true">
            <path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z" />
          </svg>
        </div>
      </div>
    </figure>
  );
}
