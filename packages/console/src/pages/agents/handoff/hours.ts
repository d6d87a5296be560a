// Business hours as the editor shows them: a range "09:00-18:00" as two time inputs (midnight at the end is
// "24:00" in the API, "00:00" in a time input), the time zones the browser knows, the hours a new schedule starts
// with.
import { type BusinessHours, type Weekday, weekdays } from '@closer/contract';

export { weekdays };

/** A range's start and end as time inputs hold them. */
export function splitRange(range: string): { start: string; end: string } {
  const [start = '', end = ''] = range.split('-');
  return { start, end: end === '24:00' ? '00:00' : end };
}

/** Two time inputs' values as the API's range; an end of 00:00 after a start is midnight ("24:00"). */
export function joinRange(start: string, end: string): string {
  return `${start}-${end === '00:00' && start !== '00:00' ? '24:00' : end}`;
}

/** The IANA zones the browser knows, with `current` kept even when it is not among them (e.g. "UTC"). */
export function timeZones(current: string): string[] {
  const known: string[] =
    typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : ['UTC'];
  const zones = new Set(['UTC', ...known]);
  if (current) zones.add(current);
  return [...zones].sort((x, y) => (x === 'UTC' ? -1 : y === 'UTC' ? 1 : x.localeCompare(y)));
}

/** The browser's own zone, or UTC. */
export const browserTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** What a schedule starts as: Monday to Friday 09:00–18:00 in the browser's zone, no holidays. */
export function defaultHours(): BusinessHours {
  const workday = ['09:00-18:00'];
  return {
    timeZone: browserTimeZone(),
    weekly: { mon: workday, tue: workday, wed: workday, thu: workday, fri: workday },
    holidays: [],
  };
}

/** The hours with one day's ranges replaced (a day with none is left out: closed). */
export function withDay(hours: BusinessHours, day: Weekday, ranges: string[]): BusinessHours {
  const weekly = { ...hours.weekly };
  if (ranges.length > 0) weekly[day] = ranges;
  else delete weekly[day];
  return { ...hours, weekly };
}

/** The pickup timeout as the editor shows it: minutes when whole, else seconds. */
export function timeoutParts(seconds: number | null): { value: string; unit: 'seconds' | 'minutes' } {
  if (seconds === null) return { value: '', unit: 'minutes' };
  return seconds % 60 === 0
    ? { value: String(seconds / 60), unit: 'minutes' }
    : { value: String(seconds), unit: 'seconds' };
}

/** The typed timeout in seconds: null when empty, NaN when unreadable (the contract names the field). */
export function timeoutSeconds(value: string, unit: 'seconds' | 'minutes'): number | null {
  if (value.trim() === '') return null;
  const number = Number(value);
  return Number.isFinite(number) ? Math.round(number * (unit === 'minutes' ? 60 : 1)) : Number.NaN;
}
