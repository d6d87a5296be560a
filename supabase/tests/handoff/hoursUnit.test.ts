// Business hours in the agent's time zone: open ranges, weekdays, holidays, daylight saving (docs/handoff.md#business-hours).
import { type BusinessHours, businessHoursInput } from '@closer/contract';
import { describeHours, isOpen } from '@closer/functions/_shared/handoff/hours.ts';
import { describe, expect, it } from 'vitest';

const berlin: BusinessHours = businessHoursInput.parse({
  timeZone: 'Europe/Berlin',
  weekly: { mon: ['09:00-13:00', '14:00-18:00'], tue: ['09:00-18:00'], sat: ['10:00-24:00'] },
  holidays: ['2026-12-22'],
});

describe('business hours', () => {
  it('is open inside a range in the zone’s local time, closed between ranges and at the end minute', () => {
    // Monday 2026-12-07, Berlin is UTC+1 in winter.
    expect(isOpen(berlin, new Date('2026-12-07T08:00:00Z'))).toBe(true); // 09:00
    expect(isOpen(berlin, new Date('2026-12-07T07:59:00Z'))).toBe(false); // 08:59
    expect(isOpen(berlin, new Date('2026-12-07T12:30:00Z'))).toBe(false); // 13:30 lunch
    expect(isOpen(berlin, new Date('2026-12-07T16:59:00Z'))).toBe(true); // 17:59
    expect(isOpen(berlin, new Date('2026-12-07T17:00:00Z'))).toBe(false); // 18:00
  });

  it('follows daylight saving time', () => {
    // Monday 2026-07-06, Berlin is UTC+2: 07:30 UTC is 09:30 local.
    expect(isOpen(berlin, new Date('2026-07-06T07:30:00Z'))).toBe(true);
    expect(isOpen(berlin, new Date('2026-07-06T16:30:00Z'))).toBe(false); // 18:30 local
  });

  it('uses the local weekday and date, not UTC’s', () => {
    // Saturday 23:30 Berlin is Saturday 22:30 UTC: open until midnight ("24:00").
    expect(isOpen(berlin, new Date('2026-12-05T22:30:00Z'))).toBe(true);
    // Sunday 00:30 Berlin is still Saturday 23:30 UTC: Sunday has no hours.
    expect(isOpen(berlin, new Date('2026-12-05T23:30:00Z'))).toBe(false);
  });

  it('is closed all day on a holiday and on days without hours', () => {
    expect(isOpen(berlin, new Date('2026-12-22T10:00:00Z'))).toBe(false); // Tuesday, holiday
    expect(isOpen(berlin, new Date('2026-12-29T10:00:00Z'))).toBe(true); // next Tuesday
    expect(isOpen(berlin, new Date('2026-12-09T10:00:00Z'))).toBe(false); // Wednesday
  });

  it('is always open without hours', () => {
    expect(isOpen(null, new Date('2026-12-06T03:00:00Z'))).toBe(true);
  });

  it('describes the week in one line, joining consecutive days with the same hours', () => {
    expect(describeHours(berlin)).toBe(
      'mon 09:00–13:00, 14:00–18:00, tue 09:00–18:00, sat 10:00–24:00 (Europe/Berlin)',
    );
    const weekdays = businessHoursInput.parse({
      timeZone: 'UTC',
      weekly: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, ['09:00-17:00']])),
    });
    expect(describeHours(weekdays)).toBe('mon–fri 09:00–17:00 (UTC)');
  });

  it('refuses unknown zones, malformed or reversed ranges, unknown days and bad dates', () => {
    const bad = (value: unknown) => businessHoursInput.safeParse(value).error?.issues.map((i) => i.path);
    expect(bad({ timeZone: 'Mars/Olympus' })).toEqual([['timeZone']]);
    expect(bad({ timeZone: 'UTC', weekly: { mon: ['18:00-09:00'] } })).toEqual([['weekly', 'mon', 0]]);
    expect(bad({ timeZone: 'UTC', weekly: { mon: ['9-17'] } })).toEqual([['weekly', 'mon', 0]]);
    expect(bad({ timeZone: 'UTC', weekly: { monday: ['09:00-17:00'] } })).toEqual([['weekly']]);
    expect(bad({ timeZone: 'UTC', holidays: ['2026-02-30'] })).toEqual([['holidays', 0]]);
    expect(bad({ timeZone: 'Europe/Berlin', weekly: { sun: ['00:00-24:00'] } })).toBeUndefined();
  });
});
