// When the people behind an agent answer (docs/handoff.md#business-hours): a time zone, weekly hours, holidays.
import * as z from 'zod/mini';
import { calendarDate } from './common.ts';

/** Whether `Intl` knows an IANA time zone name ("Europe/Berlin", "UTC"). */
export const isTimeZone = (value: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return value.length > 0;
  } catch {
    return false;
  }
};

const RANGE = /^([01]\d|2[0-3]):([0-5]\d)-(([01]\d|2[0-3]):([0-5]\d)|24:00)$/;

/** Minutes after midnight of a range's start and end ("09:00-18:00" → [540, 1080]); null when malformed. */
export const rangeMinutes = (range: string): [number, number] | null => {
  if (!RANGE.test(range)) return null;
  const [start, end] = range.split('-').map((t) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3)));
  return start! < end! ? [start!, end!] : null;
};

const dayHours = z
  .array(
    z
      .string()
      .check(
        z.refine(
          (range) => rangeMinutes(range) !== null,
          'must be a range "HH:MM-HH:MM" within one day, start before end ("24:00" ends at midnight)',
        ),
      ),
  )
  .check(z.maxLength(6));

export const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof weekdays)[number];

const businessHoursShape = {
  /** IANA time zone the hours are in ("Europe/Berlin"). */
  timeZone: z
    .string()
    .check(z.maxLength(64), z.refine(isTimeZone, 'must be an IANA time zone such as "Europe/Berlin"')),
  /**
   * Open ranges per weekday, local time ("09:00-13:00", "14:00-18:00"); a day absent or empty is closed.
   * @default {}
   */
  weekly: z._default(
    z.strictObject({
      mon: z.optional(dayHours),
      tue: z.optional(dayHours),
      wed: z.optional(dayHours),
      thu: z.optional(dayHours),
      fri: z.optional(dayHours),
      sat: z.optional(dayHours),
      sun: z.optional(dayHours),
    }),
    {},
  ),
  /** Local dates ("2026-12-25") closed all day. @default [] */
  holidays: z._default(z.array(calendarDate).check(z.maxLength(366)), []),
};

/** Business hours as servers send them. */
export const businessHours = z.object(businessHoursShape);
export type BusinessHours = z.infer<typeof businessHours>;
/** Business hours in a request: unknown keys are refused. */
export const businessHoursInput = z.strictObject(businessHoursShape);
