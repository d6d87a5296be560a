// Business hours: the time zone (the browser's list), up to six ranges per weekday, holidays by date. Every
// problem the contract or the server finds is shown beside its range, date or zone.
import type { BusinessHours, Weekday } from '@closer/contract';
import { useMemo } from 'preact/hooks';
import { type MessageKey, t } from '../../../i18n/messages.ts';
import type { FieldErrors } from '../../../ui/errors.ts';
import { Field } from '../../../ui/Field.tsx';
import { joinRange, splitRange, timeZones, weekdays, withDay } from './hours.ts';

const PATH = 'handoff.hours';
const MAX_RANGES = 6;

export function HoursEditor({
  hours,
  onChange,
  errors,
}: {
  hours: BusinessHours;
  onChange: (hours: BusinessHours) => void;
  errors: FieldErrors;
}) {
  const zones = useMemo(() => timeZones(hours.timeZone), [hours.timeZone]);
  return (
    <>
      <Field label={t('handoff.timeZone')} error={errors[`${PATH}.timeZone`]}>
        {(control) => (
          <select
            {...control}
            value={hours.timeZone}
            onChange={(event) => onChange({ ...hours, timeZone: event.currentTarget.value })}
          >
            {zones.map((zone) => (
              <option key={zone} value={zone}>
                {zone.replaceAll('_', ' ')}
              </option>
            ))}
          </select>
        )}
      </Field>
      <fieldset class="weekly-hours">
        <legend>{t('handoff.weekly')}</legend>
        <p class="field-hint">{t('handoff.weeklyHint')}</p>
        {weekdays.map((day) => (
          <DayHours
            key={day}
            day={day}
            ranges={hours.weekly[day] ?? []}
            onChange={(ranges) => onChange(withDay(hours, day, ranges))}
            errors={errors}
          />
        ))}
        {errors[`${PATH}.weekly`] && <p class="field-error">{errors[`${PATH}.weekly`]}</p>}
      </fieldset>
      <Holidays hours={hours} onChange={onChange} errors={errors} />
    </>
  );
}

function DayHours({
  day,
  ranges,
  onChange,
  errors,
}: {
  day: Weekday;
  ranges: string[];
  onChange: (ranges: string[]) => void;
  errors: FieldErrors;
}) {
  const name = t(`handoff.day.${day}` as MessageKey);
  const path = `${PATH}.weekly.${day}`;
  const replace = (index: number, range: string) => onChange(ranges.map((r, i) => (i === index ? range : r)));
  return (
    <div class="day-hours">
      <h3 class="day-name">{name}</h3>
      {ranges.length === 0 && <p class="muted">{t('handoff.closed')}</p>}
      {ranges.map((range, index) => {
        const { start, end } = splitRange(range);
        const error = errors[`${path}.${index}`];
        const label = t('handoff.range', { day: name, n: index + 1 });
        return (
          <fieldset class="range-row" key={index}>
            <legend class="visually-hidden">{label}</legend>
            <Field label={t('handoff.from')} error={error}>
              {(control) => (
                <input
                  {...control}
                  type="time"
                  value={start}
                  onInput={(event) => replace(index, joinRange(event.currentTarget.value, end))}
                />
              )}
            </Field>
            <Field label={t('handoff.to')}>
              {(control) => (
                <input
                  {...control}
                  type="time"
                  value={end}
                  onInput={(event) => replace(index, joinRange(start, event.currentTarget.value))}
                />
              )}
            </Field>
            <button
              type="button"
              class="button button-ghost"
              aria-label={`${t('action.remove')}: ${label}`}
              onClick={() => onChange(ranges.filter((_, i) => i !== index))}
            >
              {t('action.remove')}
            </button>
          </fieldset>
        );
      })}
      {errors[path] && <p class="field-error">{errors[path]}</p>}
      <button
        type="button"
        class="button"
        aria-label={t('handoff.addRangeTo', { day: name })}
        disabled={ranges.length >= MAX_RANGES}
        onClick={() => onChange([...ranges, ranges.length ? '14:00-18:00' : '09:00-18:00'])}
      >
        {t('handoff.addRange')}
      </button>
    </div>
  );
}

function Holidays({
  hours,
  onChange,
  errors,
}: {
  hours: BusinessHours;
  onChange: (hours: BusinessHours) => void;
  errors: FieldErrors;
}) {
  const path = `${PATH}.holidays`;
  const set = (holidays: string[]) => onChange({ ...hours, holidays });
  return (
    <fieldset>
      <legend>{t('handoff.holidays')}</legend>
      <p class="field-hint">{t('handoff.holidaysHint')}</p>
      {hours.holidays.map((date, index) => (
        <div class="range-row" key={index}>
          <Field label={t('handoff.holiday', { n: index + 1 })} error={errors[`${path}.${index}`]}>
            {(control) => (
              <input
                {...control}
                type="date"
                value={date}
                onInput={(event) =>
                  set(hours.holidays.map((d, i) => (i === index ? event.currentTarget.value : d)))
                }
              />
            )}
          </Field>
          <button
            type="button"
            class="button button-ghost"
            aria-label={`${t('action.remove')}: ${t('handoff.holiday', { n: index + 1 })}`}
            onClick={() => set(hours.holidays.filter((_, i) => i !== index))}
          >
            {t('action.remove')}
          </button>
        </div>
      ))}
      {errors[path] && <p class="field-error">{errors[path]}</p>}
      <button
        type="button"
        class="button"
        disabled={hours.holidays.length >= 366}
        onClick={() => set([...hours.holidays, ''])}
      >
        {t('handoff.addHoliday')}
      </button>
    </fieldset>
  );
}
