// Token counts as providers report them, made safe to add up and store: non-negative integers, clamped.

/** The largest count believed from one report (no reply or prompt comes near it). */
export const MAX_TOKEN_COUNT = 10_000_000;

/**
 * A reported token count as a non-negative integer: fractions are rounded down, negatives become 0, counts
 * above 10,000,000 become 10,000,000, digit strings are read; anything else (`"12abc"`, NaN, objects) is
 * `null` — not reported.
 */
export function tokenCount(value: unknown): number | null {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && /^\s*\d+\s*$/.test(value)) n = Number(value);
  else return null;
  if (Number.isNaN(n)) return null;
  return Math.min(MAX_TOKEN_COUNT, Math.max(0, Math.floor(n)));
}
