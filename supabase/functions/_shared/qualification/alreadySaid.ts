// What the visitor has already said without being asked, for the preset criteria: an amount of money (budget),
// their role in the decision (authority), what they are looking for (need), when they want it (timeline). The
// agent never asks for what it can read here.
import type { QualificationCriterion } from '@closer/contract';
import { readChoice, readNumber, valueFromReply } from './answers.ts';
import type { AnswerValue } from './scoring.ts';

const MONEY =
  /(?:[$€£₽]\s?\d[\d\s.,]*\s*(?:k|m|тыс|млн)?|\d[\d\s.,]*\s*(?:k|m|тыс\.?|млн)?\s*(?:[$€£₽]|usd|eur|gbp|rub|dollars?|euros?|pounds?|руб\w*|долл\w*|евро))|(?:budget|бюджет)\D{0,20}\d[\d\s.,]*\s*(?:k|m|тыс\.?|млн)?/i;
// Word edges that know Cyrillic (JavaScript's \b knows only ASCII letters).
const DECIDER =
  /(?<![\p{L}\p{N}])(i(?:'m| am) the (?:owner|founder|ceo|director|decision[- ]maker|head)|i decide|i make the decision|my decision|я (?:владелец|директор|руководитель|основатель)|решаю я|я решаю)(?![\p{L}\p{N}])/iu;
const NEED =
  /(?:^|[.!?]\s*)((?:we|i) (?:need|want|are looking for|am looking for|would like)[^.!?]{3,200}|(?:нам|мне) нужн[^.!?]{3,200}|(?:ищем|ищу) [^.!?]{3,200})/i;
const WHEN =
  /(?<![\p{L}\p{N}])(asap|as soon as possible|right away|urgently|today|tomorrow|(?:this|next) (?:week|month|quarter|year)|within (?:a|an|one|two|three|\d+) (?:days?|weeks?|months?)|in (?:a|an|one|two|three|\d+) (?:days?|weeks?|months?)|срочно|сегодня|завтра|на этой неделе|в этом месяце|в следующем месяце|через \d+ (?:дн\p{L}*|недел\p{L}*|месяц\p{L}*))(?![\p{L}\p{N}])/iu;

/** A preset criterion's answer found in what the visitor wrote, read as the criterion's type; else null. */
export function alreadySaid(criterion: QualificationCriterion, visitorText: string): AnswerValue | null {
  switch (criterion.preset) {
    case 'budget': {
      const money = MONEY.exec(visitorText);
      if (!money) return null;
      return criterion.type === 'number' ? readNumber(money[0]) : valueFromReply(criterion, money[0]);
    }
    case 'authority':
      return DECIDER.test(visitorText) && criterion.type === 'yes_no' ? true : null;
    case 'need': {
      const need = NEED.exec(visitorText);
      return need && criterion.type === 'text' ? need[1]!.trim() : null;
    }
    case 'timeline': {
      const when = WHEN.exec(visitorText);
      if (!when) return null;
      if (criterion.type === 'choice') return readChoice(criterion, when[0]);
      return criterion.type === 'text' ? when[0] : null;
    }
    default:
      return null;
  }
}
