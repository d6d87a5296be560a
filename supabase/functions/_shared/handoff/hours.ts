// Business hours: is a person there now, in the agent's time zone (docs/handoff.md#business-hours).
import { type BusinessHours, rangeMinutes, type Weekday, weekdays } from '@closer/contract';

interface LocalTime {
  date: string; // YYYY-MM-DD
  weekday: Weekday;
  minutes: number; // after local midnight
}

const formats = new Map<string, Intl.DateTimeFormat>();
const formatFor = (timeZone: string) => {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    formats.set(timeZone, format);
  }
  return format;
};

/** The wall-clock date, weekday and minute of `at` in `timeZone`. */
export function localTime(at: Date, timeZone: string): LocalTime {
  const parts = Object.fromEntries(
    formatFor(timeZone)
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    weekday: parts.weekday!.toLowerCase().slice(0, 3) as Weekday,
    minutes: Number(parts.hour) * 60 + Number(parts.minute),
  };
}

/** Whether people answer at `at`; no hours set means always. */
export function isOpen(hours: BusinessHours | null, at: Date): boolean {
  if (!hours) return true;
  const local = localTime(at, hours.timeZone);
  if (hours.holidays.includes(local.date)) return false;
  return (hours.weekly[local.weekday] ?? []).some((range) => {
    const [start, end] = rangeMinutes(range) ?? [0, 0];
    return local.minutes >= start && local.minutes < end;
  });
}

/** The weekly hours in one line, days with the same ranges joined: "mon–fri 09:00–18:00, sat 10:00–14:00 (Europe/Berlin)". */
export function describeHours(hours: BusinessHours): string {
  const groups: { from: Weekday; to: Weekday; ranges: string }[] = [];
  for (const day of weekdays) {
    const ranges = (hours.weekly[day] ?? []).join(', ').replaceAll('-', '–');
    const last = groups.at(-1);
    if (ranges && last && last.ranges === ranges && weekdays.indexOf(last.to) === weekdays.indexOf(day) - 1)
      last.to = day;
    else if (ranges) groups.push({ from: day, to: day, ranges });
  }
  const days = groups.map((g) => `${g.from === g.to ? g.from : `${g.from}–${g.to}`} ${g.ranges}`);
  return `${days.join(', ') || 'closed'} (${hours.timeZone})`;
}
