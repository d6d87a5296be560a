// A list of short texts (starter prompts, allowed origins): one labelled input per item with its own error,
// add and remove buttons, a limit.
import { t } from '../i18n/messages.ts';
import type { FieldErrors } from './errors.ts';
import { Field } from './Field.tsx';

export function ListEditor({
  legend,
  itemLabel,
  items,
  onChange,
  errors,
  path,
  max,
  hint,
  placeholder,
  addLabel,
}: {
  legend: string;
  /** The label of item `n` (1-based). */
  itemLabel: (n: number) => string;
  items: string[];
  onChange: (items: string[]) => void;
  errors: FieldErrors;
  /** The field's path in `errors` (`starterPrompts` → `starterPrompts.0`, …). */
  path: string;
  max: number;
  hint?: string;
  placeholder?: string;
  addLabel: string;
}) {
  const listError = errors[path];
  return (
    <fieldset>
      <legend>{legend}</legend>
      {hint && <p class="field-hint">{hint}</p>}
      <div class="list-editor">
        {items.map((item, index) => (
          <div class="list-editor-row" key={index}>
            <Field label={itemLabel(index + 1)} error={errors[`${path}.${index}`]}>
              {(control) => (
                <input
                  {...control}
                  value={item}
                  placeholder={placeholder}
                  onInput={(event) => {
                    const next = [...items];
                    next[index] = event.currentTarget.value;
                    onChange(next);
                  }}
                />
              )}
            </Field>
            <button
              type="button"
              class="button button-ghost list-editor-remove"
              aria-label={`${t('action.remove')}: ${itemLabel(index + 1)}`}
              onClick={() => onChange(items.filter((_, i) => i !== index))}
            >
              {t('action.remove')}
            </button>
          </div>
        ))}
      </div>
      {listError && <p class="field-error">{listError}</p>}
      <button
        type="button"
        class="button"
        disabled={items.length >= max}
        onClick={() => onChange([...items, ''])}
      >
        {addLabel}
      </button>
    </fieldset>
  );
}
