// How the widget looks and when it opens by itself, beside a live preview of the bubble and panel.
import { t } from '../../../i18n/messages.ts';
import { Field } from '../../../ui/Field.tsx';
import type { SectionProps } from '../AgentEditor.tsx';
import { WidgetPreview } from './WidgetPreview.tsx';

export function AppearanceSection({ draft, set, errors }: SectionProps) {
  const theme = draft.theme;
  const setTheme = (patch: Partial<typeof theme>) => set({ theme: { ...theme, ...patch } });
  return (
    <div class="split">
      <div class="card">
        <h2>{t('agent.tab.appearance')}</h2>
        <Field
          label={t('agent.accentColor')}
          hint={t('agent.accentHint')}
          error={errors['theme.accentColor']}
        >
          {(control) => (
            <div style={{ display: 'flex', gap: '0.5rem' }}>
              <input
                type="color"
                aria-label={t('agent.accentPicker')}
                value={/^#[0-9a-fA-F]{6}$/.test(theme.accentColor) ? theme.accentColor : '#4f46e5'}
                onInput={(event) => setTheme({ accentColor: event.currentTarget.value })}
              />
              <input
                {...control}
                value={theme.accentColor}
                onInput={(event) => setTheme({ accentColor: event.currentTarget.value })}
              />
            </div>
          )}
        </Field>
        <fieldset>
          <legend>{t('agent.position')}</legend>
          {(['right', 'left'] as const).map((position) => (
            <label class="check" key={position}>
              <input
                type="radio"
                name="widget-position"
                checked={theme.position === position}
                onChange={() => setTheme({ position })}
              />
              {t(position === 'right' ? 'agent.position.right' : 'agent.position.left')}
            </label>
          ))}
        </fieldset>
        <Field label={t('agent.mode')} error={errors['theme.mode']}>
          {(control) => (
            <select
              {...control}
              value={theme.mode}
              onChange={(event) => setTheme({ mode: event.currentTarget.value as typeof theme.mode })}
            >
              <option value="auto">{t('agent.mode.auto')}</option>
              <option value="light">{t('prefs.theme.light')}</option>
              <option value="dark">{t('prefs.theme.dark')}</option>
            </select>
          )}
        </Field>
        <Field
          label={t('agent.proactive')}
          hint={t('agent.proactiveHint')}
          error={errors.proactiveOpenSeconds}
        >
          {(control) => (
            <input
              {...control}
              type="number"
              inputMode="numeric"
              min={1}
              max={600}
              value={draft.proactiveOpenSeconds}
              onInput={(event) => set({ proactiveOpenSeconds: event.currentTarget.value })}
            />
          )}
        </Field>
      </div>
      <WidgetPreview draft={draft} />
    </div>
  );
}
