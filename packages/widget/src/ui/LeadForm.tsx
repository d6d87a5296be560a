// The lead form: the agent's configured fields, checked here for a quick answer and by the server for the last
// word (its field errors are shown beside the fields), with the consent line the agent set.
import type { ChatConfig, LeadFields } from '@closer/contract';
import { ValidationError } from '@closer/sdk/chat';
import { useSignal } from '@preact/signals';
import type { Strings } from '../i18n.ts';

type Field = ChatConfig['leadForm']['fields'][number]['field'];

const EMAIL = /^[^\s@]+@(?=[^\s@]*$)[^\s@]+\.[^\s@]{2,}$/;
const PHONE = /^\+?[0-9 ()\-.]{5,30}$/;
const INPUT: Record<Field, { type: string; autocomplete: string }> = {
  name: { type: 'text', autocomplete: 'name' },
  email: { type: 'email', autocomplete: 'email' },
  phone: { type: 'tel', autocomplete: 'tel' },
  company: { type: 'text', autocomplete: 'organization' },
  need: { type: 'text', autocomplete: 'off' },
};

export function LeadForm(props: {
  form: ChatConfig['leadForm'];
  strings: Strings;
  initial: Partial<Record<Field, string>>;
  onSubmit: (fields: LeadFields) => Promise<void>;
  onLater: () => void;
}) {
  const { form, strings } = props;
  const values = useSignal<Partial<Record<Field, string>>>(props.initial);
  const errors = useSignal<Partial<Record<Field, string>>>({});
  const busy = useSignal(false);
  const failed = useSignal(false);

  const check = () => {
    const found: Partial<Record<Field, string>> = {};
    for (const { field, required } of form.fields) {
      const value = values.value[field]?.trim() ?? '';
      if (!value) {
        if (required) found[field] = strings.required;
      } else if (field === 'email' && !EMAIL.test(value)) found[field] = strings.invalidEmail;
      else if (field === 'phone' && !PHONE.test(value)) found[field] = strings.invalidPhone;
    }
    errors.value = found;
    return Object.keys(found).length === 0;
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    if (busy.value || !check()) return;
    busy.value = true;
    failed.value = false;
    const fields = Object.fromEntries(
      Object.entries(values.value)
        .map(([k, v]) => [k, v?.trim()])
        .filter(([, v]) => v),
    ) as LeadFields;
    try {
      await props.onSubmit(fields);
    } catch (error) {
      if (error instanceof ValidationError) {
        errors.value = Object.fromEntries(error.details.map((d) => [String(d.path.at(-1)), d.message]));
      } else failed.value = true;
    } finally {
      busy.value = false;
    }
  };

  return (
    <form class="lead" onSubmit={submit} noValidate aria-labelledby="closer-lead-title">
      <h3 id="closer-lead-title">{strings.leadTitle}</h3>
      {form.fields.map(({ field, required }) => {
        const error = errors.value[field];
        const id = `closer-lead-${field}`;
        return (
          <label key={field} for={id}>
            <span>
              {strings.fields[field]}
              {required ? ' *' : ''}
            </span>
            <input
              id={id}
              name={field}
              type={INPUT[field].type}
              autocomplete={INPUT[field].autocomplete}
              required={required}
              aria-invalid={error ? 'true' : 'false'}
              aria-describedby={error ? `${id}-error` : undefined}
              dir="auto"
              value={values.value[field] ?? ''}
              onInput={(e) => {
                values.value = { ...values.value, [field]: (e.currentTarget as HTMLInputElement).value };
              }}
            />
            {error && (
              <span class="error" id={`${id}-error`}>
                {error}
              </span>
            )}
          </label>
        );
      })}
      {form.consentText && (
        <p class="consent" dir="auto">
          {form.consentText}
        </p>
      )}
      {failed.value && (
        <p class="error" role="alert">
          {strings.failed}
        </p>
      )}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy.value}>
          {strings.leadSubmit}
        </button>
        <button type="button" class="secondary" onClick={props.onLater}>
          {strings.leadLater}
        </button>
      </div>
    </form>
  );
}
