// The period pickers every list and the dashboard filter by: two date fields (`from`, `to`) with their errors.
import { t } from '../i18n/messages.ts';
import type { FieldErrors } from './errors.ts';
import { Field } from './Field.tsx';

export interface PeriodFieldsProps {
  from: string;
  to: string;
  errors: FieldErrors;
  onChange(patch: { from?: string; to?: string }): void;
}

export function PeriodFields({ from, to, errors, onChange }: PeriodFieldsProps) {
  return (
    <>
      <Field label={t('filters.from')} error={errors.from}>
        {(control) => (
          <input
            {...control}
            type="date"
            value={from}
            onInput={(e) => onChange({ from: e.currentTarget.value })}
          />
        )}
      </Field>
      <Field label={t('filters.to')} error={errors.to}>
        {(control) => (
          <input
            {...control}
            type="date"
            value={to}
            onInput={(e) => onChange({ to: e.currentTarget.value })}
          />
        )}
      </Field>
    </>
  );
}
