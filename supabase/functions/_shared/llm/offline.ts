// The offline responder: no model, no key. It answers from the agent's own knowledge, objection answers and
// script by retrieval (done before it is called), in the agent's language, word by word, and says what it is.
import type { Grounding, LlmProvider } from './types.ts';

interface Phrases {
  intro: (agent: string) => string;
  notFound: string;
  /** What to ask next at each script stage: a script is an instruction to the agent, not text for the visitor. */
  nextStep: Record<string, string>;
}

const phrases: Record<string, Phrases> = {
  en: {
    intro: (agent) =>
      `(Offline responder for ${agent}: no language model is configured, so I answer from the knowledge base.)`,
    notFound:
      "I couldn't find that in my knowledge base. Could you rephrase it, or leave your contact so a person can help?",
    nextStep: {
      opening: 'What would you like to know?',
      discovery: 'Could you tell me a little more about what you need?',
      presentation: 'Would you like a detailed quote?',
      closing: 'Shall I take your name and phone number so the team can contact you?',
      follow_up: 'Is there anything else I can help you with?',
    },
  },
  ru: {
    intro: (agent) =>
      `(Офлайн-ответчик агента «${agent}»: языковая модель не подключена, отвечаю по базе знаний.)`,
    notFound:
      'Я не нашёл этого в базе знаний. Переформулируйте вопрос или оставьте контакт — с вами свяжется специалист.',
    nextStep: {
      opening: 'Что бы вы хотели узнать?',
      discovery: 'Расскажите, пожалуйста, подробнее, что вам нужно?',
      presentation: 'Хотите получить подробный расчёт?',
      closing: 'Оставите имя и телефон, чтобы специалист с вами связался?',
      follow_up: 'Могу ли я помочь чем-то ещё?',
    },
  },
  es: {
    intro: (agent) =>
      `(Respondedor sin conexión de ${agent}: no hay un modelo de lenguaje configurado, respondo con la base de conocimiento.)`,
    notFound:
      'No encontré eso en mi base de conocimiento. ¿Puede reformularlo o dejar su contacto para que una persona le ayude?',
    nextStep: {
      opening: '¿Qué le gustaría saber?',
      discovery: '¿Podría contarme un poco más sobre lo que necesita?',
      presentation: '¿Le gustaría recibir un presupuesto detallado?',
      closing: '¿Me deja su nombre y teléfono para que el equipo le contacte?',
      follow_up: '¿Puedo ayudarle con algo más?',
    },
  },
  pt: {
    intro: (agent) =>
      `(Respondente offline de ${agent}: nenhum modelo de linguagem configurado, respondo pela base de conhecimento.)`,
    notFound:
      'Não encontrei isso na minha base de conhecimento. Pode reformular ou deixar seu contato para que uma pessoa ajude?',
    nextStep: {
      opening: 'O que você gostaria de saber?',
      discovery: 'Pode me contar um pouco mais sobre o que precisa?',
      presentation: 'Gostaria de receber um orçamento detalhado?',
      closing: 'Pode deixar seu nome e telefone para que a equipe entre em contato?',
      follow_up: 'Posso ajudar em algo mais?',
    },
  },
};

export function offlinePhrases(language: string): Phrases {
  return phrases[language.split('-')[0] ?? 'en'] ?? phrases.en!;
}

/** The whole answer the offline responder gives for this grounding. */
export function offlineAnswer(grounding: Grounding): string {
  const p = offlinePhrases(grounding.language);
  const parts = [p.intro(grounding.agentName)];
  const objection = grounding.objections[0];
  if (objection) parts.push(objection.answer);
  const knowledge = grounding.knowledge.slice(0, objection ? 1 : 2).map((k) => k.content.trim());
  parts.push(...knowledge);
  if (!objection && knowledge.length === 0) parts.push(p.notFound);
  const stage = grounding.script?.stage ?? grounding.stage;
  const next = stage ? p.nextStep[stage] : undefined;
  if (next) parts.push(next);
  return parts.join('\n\n');
}

const estimateTokens = (text: string) => Math.max(1, Math.ceil(text.length / 4));

export function createOfflineProvider(options: { wordDelayMs?: number } = {}): LlmProvider {
  const pause = Math.max(0, Math.min(options.wordDelayMs ?? 0, 1000));
  return {
    name: 'offline',
    async *stream(request, signal) {
      const grounding: Grounding = request.grounding ?? {
        agentName: 'Closer',
        language: 'en',
        knowledge: [],
        objections: [],
        script: null,
        question: request.messages.at(-1)?.content ?? '',
      };
      const answer = offlineAnswer(grounding);
      // Word by word, whitespace kept with the word before it, as a model streams tokens.
      for (const word of answer.match(/\S+\s*/g) ?? []) {
        if (signal.aborted) return;
        yield { type: 'text', text: word };
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
      const input = request.messages.reduce((sum, m) => sum + estimateTokens(m.content), 0);
      yield { type: 'usage', inputTokens: input, outputTokens: estimateTokens(answer) };
      yield { type: 'finish', reason: 'stop' };
    },
  };
}
