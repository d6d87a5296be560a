// What the visitor is told when nobody from the team picked up a request for a person in time, per language
// (English, Russian, Spanish, Portuguese; others get English), worded like the outside-hours reply: plainly, with
// the lead form, and what happens next (docs/handoff.md#nobody-picks-up).
import type { AgentHandoff } from '@closer/contract';

type Next = AgentHandoff['whenUnanswered'];

interface PickupPhrases {
  nobody: string;
  next: Record<Next, string>;
}

const phrases: Record<string, PickupPhrases> = {
  en: {
    nobody:
      'Sorry, nobody from the team has been able to answer yet. Leave your contact in the form below and we will get back to you.',
    next: {
      resume: 'Meanwhile I can go on answering your questions here.',
      silent: 'A person from the team may still answer you here later.',
    },
  },
  ru: {
    nobody:
      'Извините, пока никто из команды не смог ответить. Оставьте контакты в форме ниже — мы с вами свяжемся.',
    next: {
      resume: 'А пока я могу и дальше отвечать на ваши вопросы здесь.',
      silent: 'Специалист может ответить вам здесь и позже.',
    },
  },
  es: {
    nobody:
      'Lo sentimos, nadie del equipo ha podido responder todavía. Deje sus datos de contacto en el formulario de abajo y le responderemos.',
    next: {
      resume: 'Mientras tanto, puedo seguir respondiendo sus preguntas aquí.',
      silent: 'Una persona del equipo aún puede responderle aquí más tarde.',
    },
  },
  pt: {
    nobody:
      'Desculpe, ninguém da equipe conseguiu responder ainda. Deixe seu contato no formulário abaixo e retornaremos.',
    next: {
      resume: 'Enquanto isso, posso continuar respondendo suas perguntas aqui.',
      silent: 'Uma pessoa da equipe ainda pode responder você aqui mais tarde.',
    },
  },
};

/** "Nobody picked up" in the agent's language, ending with what follows (`resume`: the agent answers again). */
export function nobodyPickedUp(language: string, next: Next): string {
  const p = phrases[language.split('-')[0] ?? 'en'] ?? phrases.en!;
  return `${p.nobody} ${p.next[next]}`;
}
