// Periods as people pick them (whole local days, `YYYY-MM-DD`) and as the API filters by them (instants).

/** `YYYY-MM-DD` of `date` in `timeZone` (default: the browser's). */
export function dayIn(date: Date, timeZone?: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(date);
}

/** The day `days` after `day` (negative: before), as `YYYY-MM-DD`. */
export function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/** The instant the browser's local `day` starts: what `from` means for a picked day. */
export function startOfLocalDay(day: string): string {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  return new Date(year, month - 1, date).toISOString();
}

/** Local days `from`..`to` (both included) as the API's `from` / `to` instants (`to` exclusive). */
export function periodInstants(period: { from: string; to: string }): { from?: string; to?: string } {
  return {
    ...(period.from ? { from: startOfLocalDay(period.from) } : {}),
    ...(period.to ? { to: startOfLocalDay(addDays(period.to, 1)) } : {}),
  };
}

/** The last `days` days up to today (browser time), as picked days. */
export function lastDays(days: number, timeZone?: string): { from: string; to: string } {
  const to = dayIn(new Date(), timeZone);
  return { from: addDays(to, 1 - days), to };
}
