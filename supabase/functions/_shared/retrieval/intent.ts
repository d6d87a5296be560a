// What a visitor's message does besides asking: greets, thanks, or asks for a person or a call-back. Read by the
// offline responder (to greet back and offer the lead form) and by knowledge-gap recording (none of these is a
// question the knowledge failed to answer). Patterns per language; unknown languages use English.
import { isSmallTalk } from './smallTalk.ts';

export interface MessageIntent {
  /** Opens with a greeting ("Hi", "Здравствуйте"). */
  greeting: boolean;
  /** Opens with thanks ("Thanks!", "Спасибо"). */
  thanks: boolean;
  /** Asks for a person, a call or to be contacted ("Can I talk to a human?", "Перезвоните мне"). */
  contactRequest: boolean;
  /** Asks for a person to talk to here and now ("Can I talk to a human?", «Позовите оператора»), not a call-back. */
  personRequest: boolean;
  /** Nothing but small talk ("ok", "yes"), a greeting or thanks (and a name): there is no question to answer. */
  smallTalkOnly: boolean;
}

interface Patterns {
  greeting: RegExp;
  thanks: RegExp;
  /** A call-back or being contacted later. */
  contact: RegExp[];
  /** A person to talk to. */
  person: RegExp[];
  /** Pleasantries that are no question ("how are you?"). */
  pleasantry: RegExp;
  /** Words that may go with a greeting or thanks without making it a question ("there", "a lot"). */
  filler: RegExp;
}

// \p{L}-aware word edges: JavaScript's \b knows only ASCII letters.
const start = '^[\\s\\p{P}]*';
const end = '(?=$|[^\\p{L}\\p{N}])';

const patterns: Record<string, Patterns> = {
  en: {
    greeting: new RegExp(
      `${start}(hi|hello|hey|hiya|howdy|greetings|good (morning|afternoon|evening|day))${end}`,
      'iu',
    ),
    thanks: new RegExp(`${start}(thanks|thank you|thx|ty|cheers|much appreciated)${end}`, 'iu'),
    contact: [
      /\b(call|ring|phone) me\b/i,
      /\b(request|want|need|schedule|arrange|get|like|have) (a )?call ?back\b/i,
      /\b(contact|reach) me\b/i,
      /\bhave (someone|somebody|a person) (call|contact|reach)\b/i,
      /\bget in touch with me\b/i,
    ],
    person: [
      /\b(talk|speak|chat) (to|with) (a |an |some |your )?(real )?(human|person|people|someone|somebody|agent|manager|representative|rep|operator|salesperson|sales rep|consultant|advisor|team member)\b/i,
      /\b(human|live) (agent|being|person|support)\b/i,
      /\breal person\b/i,
      /\b(connect|transfer|put) me (to|through to|with) (a |an |some |your )?(human|person|agent|manager|operator|representative)\b/i,
    ],
    pleasantry: /how are you( doing)?|how's it going|nice to meet you/giu,
    filler:
      /^(there|all|everyone|anyone|anybody|here|again|a|lot|so|much|very|you|folks|team|guys|and|morning)$/iu,
  },
  ru: {
    greeting: new RegExp(
      `${start}(привет\\p{L}*|здравствуй\\p{L}*|добр(ый|ое|ого) (день|вечер|утро|дня|вечера|утра)|доброе утро|приветствую|хай|салют|день добрый)${end}`,
      'iu',
    ),
    thanks: new RegExp(`${start}(спасибо|благодарю|спс)${end}`, 'iu'),
    contact: [
      /перезвон/iu,
      /(позвоните|наберите|звякните) мне/iu,
      /свяж(итесь|ись) со мной|связаться со мной/iu,
    ],
    person: [
      /(поговорить|пообщаться|связаться|соедините|переключите)( меня)? (с|со) (живым )?(человеком|оператором|менеджером|специалистом|консультантом|сотрудником)/iu,
      /(позовите|нужен|нужна|хочу|дайте) (живого )?(человека|оператора|менеджера|специалиста|консультанта|сотрудника)/iu,
      /живо(й|го|м) человек/iu,
    ],
    pleasantry: /как (у вас )?дела|как поживаете/giu,
    filler: /^(вам|большое|всем|ещё|еще|огромное|тебе|и|ну|есть|кто|тут|здесь)$/iu,
  },
  es: {
    greeting: new RegExp(`${start}(hola|buen(os|as) (días|dias|tardes|noches)|saludos)${end}`, 'iu'),
    thanks: new RegExp(`${start}(gracias|muchas gracias)${end}`, 'iu'),
    contact: [/ll[aá]m(e|en)me|llamarme/iu, /cont[aá]ct(e|en)me/iu],
    person: [/hablar con (una persona|un humano|alguien|un agente|un asesor)/iu],
    pleasantry: /qu[eé] tal|c[oó]mo est[aá]s?/giu,
    filler: /^(a|todos|de|nuevo|mil)$/iu,
  },
  pt: {
    greeting: new RegExp(`${start}(olá|ola|oi|bom dia|boa tarde|boa noite)${end}`, 'iu'),
    thanks: new RegExp(`${start}(obrigad[oa]|valeu)${end}`, 'iu'),
    contact: [/me ligue|ligar para mim|me liga/iu, /entr(e|em) em contato comigo/iu],
    person: [/falar com (uma pessoa|um humano|algu[eé]m|um atendente|um consultor)/iu],
    pleasantry: /tudo bem|como vai/giu,
    filler: /^(a|todos|de|novo|muito)$/iu,
  },
};

function patternsFor(language: string): Patterns {
  return patterns[language.split('-')[0] ?? 'en'] ?? patterns.en!;
}

/**
 * Reads the message in the agent's language; English patterns apply too (visitors switch languages). The agent's
 * name ("Hi Maya!") is no question either.
 */
export function readIntent(message: string, language: string, agentName = ''): MessageIntent {
  const sets = [patternsFor(language), ...(language.startsWith('en') ? [] : [patterns.en!])];
  const opener = (kind: 'greeting' | 'thanks') => sets.find((p) => p[kind].test(message));
  const greeting = opener('greeting');
  const thanks = opener('thanks');
  const personRequest = sets.some((p) => p.person.some((pattern) => pattern.test(message)));
  const contactRequest =
    personRequest || sets.some((p) => p.contact.some((pattern) => pattern.test(message)));
  let rest = message;
  for (const p of sets)
    rest = rest.replace(p.greeting, ' ').replace(p.thanks, ' ').replace(p.pleasantry, ' ');
  const words = rest.match(/[\p{L}\p{N}]+/gu) ?? [];
  const names = new Set((agentName.match(/[\p{L}]+/gu) ?? []).map((w) => w.toLowerCase()));
  const filler = (word: string) => names.has(word.toLowerCase()) || sets.some((p) => p.filler.test(word));
  return {
    greeting: Boolean(greeting),
    thanks: Boolean(thanks),
    contactRequest,
    personRequest,
    smallTalkOnly:
      !contactRequest && (isSmallTalk(message) || (Boolean(greeting || thanks) && words.every(filler))),
  };
}
