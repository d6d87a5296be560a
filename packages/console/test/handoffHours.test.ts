// The Handoff tab's helpers: ranges between the API ("24:00") and time inputs ("00:00"), the time zones offered,
// days without hours left out, the pickup timeout in minutes or seconds.
import { describe, expect, it } from 'vitest';
import {
  defaultHours,
  joinRange,
  splitRange,
  timeoutParts,
  timeoutSeconds,
  timeZones,
  withDay,
} from '../src/pages/agents/handoff/hours.ts';

describe('business hours in the editor', () => {
  it('shows midnight at a range end as 00:00 and sends it back as 24:00', () => {
    expect(splitRange('18:00-24:00')).toEqual({ start: '18:00', end: '00:00' });
    expect(joinRange('18:00', '00:00')).toBe('18:00-24:00');
    expect(joinRange('09:30', '17:15')).toBe('09:30-17:15');
    // A range from midnight to midnight stays as typed: the contract refuses it beside the field.
    expect(joinRange('00:00', '00:00')).toBe('00:00-00:00');
  });

  it("offers the browser's zones with UTC first and keeps a stored zone it does not list", () => {
    const zones = timeZones('Etc/GMT+3');
    expect(zones[0]).toBe('UTC');
    expect(zones).toContain('Europe/Berlin');
    expect(zones).toContain('Etc/GMT+3');
    expect(new Set(zones).size).toBe(zones.length);
  });

  it('leaves out a day whose last range is removed (closed)', () => {
    const hours = defaultHours();
    expect(Object.keys(hours.weekly)).toEqual(['mon', 'tue', 'wed', 'thu', 'fri']);
    const closedMonday = withDay(hours, 'mon', []);
    expect(closedMonday.weekly.mon).toBeUndefined();
    expect(withDay(closedMonday, 'sat', ['10:00-14:00']).weekly.sat).toEqual(['10:00-14:00']);
    expect(hours.weekly.mon).toEqual(['09:00-18:00']);
  });

  it('reads the pickup timeout in minutes when whole, and back in seconds', () => {
    expect(timeoutParts(null)).toEqual({ value: '', unit: 'minutes' });
    expect(timeoutParts(180)).toEqual({ value: '3', unit: 'minutes' });
    expect(timeoutParts(90)).toEqual({ value: '90', unit: 'seconds' });
    expect(timeoutSeconds('3', 'minutes')).toBe(180);
    expect(timeoutSeconds('1.5', 'minutes')).toBe(90);
    expect(timeoutSeconds('45', 'seconds')).toBe(45);
    expect(timeoutSeconds(' ', 'minutes')).toBeNull();
    expect(timeoutSeconds('soon', 'seconds')).toBeNaN();
  });
});
