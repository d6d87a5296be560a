// Reading answers: a value the model recorded, or the visitor's own words, as the criterion's type (number, yes/no,
// one of the options, text). What cannot be read as that type is not recorded, never guessed.
import type { QualificationCriterion } from '@closer/contract';
import { clipText } from '../text.ts';
import type { AnswerValue } from './scoring.ts';

const MAX_TEXT = 500;

/**
 * The largest number answer kept (a trillion): no budget, team or volume a visitor states is larger, and one that
 * is (`1e308`, a string of nines) is a model's or a visitor's slip, not an answer that may score a lead hot.
 */
export const LARGEST_NUMBER_ANSWER = 1e12;

/** The number if it is an answer a criterion can hold: finite, not negative, at most LARGEST_NUMBER_ANSWER. */
export const numberAnswer = (value: number): number | null =>
  Number.isFinite(value) && value >= 0 && value <= LARGEST_NUMBER_ANSWER ? value : null;

const YES =
  /^(yes|yeah|yep|yup|sure|of course|correct|right|i am|i do|we do|definitely|absolutely|да|ага|конечно|верно|sí|si|claro|sim|ja|oui|sì|evet)(?=$|[^\p{L}\p{N}])/iu;
const NO = /^(no|nope|not really|not yet|i'm not|i am not|нет|неа|não|nein|non|hayır)(?=$|[^\p{L}\p{N}])/iu;

/** A number as people write it: `5000`, `5 000`, `5,000`, `1.5k`, `2m`, `10 тыс`. Null when there is none. */
export function readNumber(text: string): number | null {
  const match = /(\d{1,3}(?:[ \u00a0,.]\d{3})+|\d+(?:[.,]\d+)?)\s*(k|m|тыс\.?|млн|thousand|million)?/i.exec(
    text,
  );
  if (!match) return null;
  let digits = match[1]!;
  // Separators of thousands (space, comma or dot between groups of three) are not decimals.
  if (/^\d{1,3}(?:[ \u00a0,.]\d{3})+$/.test(digits)) digits = digits.replace(/[ \u00a0,.]/g, '');
  let value = Number(digits.replace(',', '.'));
  const unit = (match[2] ?? '').toLowerCase();
  if (unit === 'k' || unit.startsWith('тыс') || unit === 'thousand') value *= 1000;
  if (unit === 'm' || unit === 'млн' || unit === 'million') value *= 1_000_000;
  return numberAnswer(value);
}

export function readYesNo(text: string): boolean | null {
  const said = text.trim().replace(/^[^\p{L}]+/u, '');
  if (NO.test(said)) return false;
  if (YES.test(said)) return true;
  return null;
}

const fold = (s: string) => s.toLocaleLowerCase().replace(/\s+/g, ' ').trim();

/** The option the text names (its label, or its number in the list); null when it names none or several. */
export function readChoice(criterion: QualificationCriterion, text: string): string | null {
  const said = fold(text);
  const named = criterion.options.filter((o) => said.includes(fold(o.label)));
  if (named.length === 1) return named[0]!.label;
  const index = /^\s*(\d{1,2})\s*(?:[.)]\s*)?$/.exec(text);
  const picked = index ? criterion.options[Number(index[1]) - 1] : undefined;
  return picked?.label ?? null;
}

/** A value of the model's call (any JSON) as the criterion's type; null when it is not one. */
export function valueFromTool(criterion: QualificationCriterion, raw: unknown): AnswerValue | null {
  if (raw === null || raw === undefined) return null;
  switch (criterion.type) {
    case 'number':
      return typeof raw === 'number'
        ? numberAnswer(raw)
        : typeof raw === 'string'
          ? numberFromText(raw)
          : null;
    case 'yes_no':
      return typeof raw === 'boolean' ? raw : typeof raw === 'string' ? readYesNo(raw) : null;
    case 'choice':
      return typeof raw === 'string' ? readChoice(criterion, raw) : null;
    case 'text': {
      const text = typeof raw === 'string' ? raw.trim() : typeof raw === 'number' ? String(raw) : '';
      return text ? clipText(text, MAX_TEXT) : null;
    }
  }
}

/**
 * A number the model sent as text: a JSON number's spelling (`"1e308"`, `"-5"`, `"Infinity"`) is read whole and
 * range-checked, never as its first digits; anything else as people write numbers (`"5 000"`, `"2m"`).
 */
function numberFromText(raw: string): number | null {
  const text = raw.trim();
  const whole = text === '' ? Number.NaN : Number(text);
  return Number.isNaN(whole) ? readNumber(text) : numberAnswer(whole);
}

/** The visitor's reply to the criterion's question; null when it does not answer it (another question, say). */
export function valueFromReply(criterion: QualificationCriterion, reply: string): AnswerValue | null {
  const text = reply.trim();
  if (!text) return null;
  switch (criterion.type) {
    case 'number':
      return readNumber(text);
    case 'yes_no':
      return readYesNo(text);
    case 'choice':
      return readChoice(criterion, text);
    case 'text':
      // A question back is not an answer.
      return text.endsWith('?') ? null : clipText(text, MAX_TEXT);
  }
}
