// What the offline responder says in its own words, per language; Russian forms follow the speaker's gender.
import type { SpeakerGender } from './gender.ts';

export interface OfflinePhrases {
  /** The one short line, once per conversation, that says what is answering. */
  offlineNote: string;
  /** Greeting back; the second wording when the first was the previous reply (as for every pair below). */
  greeting: [string, string];
  /** Answer to thanks. */
  welcome: [string, string];
  /** Nothing found. */
  notFound: [string, string];
  /** A visitor asks for a person or a call-back: the lead form, not "I couldn't find that". */
  contactOffer: [string, string];
  /** A visitor asked for a person and one has been asked to join this chat (docs/handoff.md). */
  handoffRequested: [string, string];
  /** A visitor asked for a person outside the business hours (`{hours}`: when people answer). */
  teamOffline: string;
  /** Leads in a passage given again, so no reply repeats the previous one verbatim. */
  again: string;
  /** The visitor answered the agent's qualification question: thanks, without searching the knowledge. */
  noted: string;
  /** What to ask next at each script stage: a script is an instruction to the agent, not text for the visitor. */
  nextStep: Record<string, string>;
}

type Build = (g: <T>(feminine: T, masculine: T, neutral: T) => T) => OfflinePhrases;

const english: Build = () => ({
  offlineNote:
    '(Offline responder: no AI model is connected, so I answer with passages from the knowledge base.)',
  greeting: ['Hello!', 'Hello again!'],
  welcome: ["You're welcome!", 'Glad to help!'],
  notFound: [
    "I couldn't find that in my knowledge base. Could you rephrase it, or leave your contact so a person can help?",
    'My knowledge base has nothing on that yet. Leave your name and phone in the form below and a person will answer you.',
  ],
  contactOffer: [
    'Of course. Leave your name and phone number in the form below (or type them here) and a person from the team will call you back.',
    'A person from the team will call you back: the form below takes your name and phone number (or type them here).',
  ],
  handoffRequested: [
    "Of course. I've asked a colleague to join: a person from the team will answer you here in this chat.",
    'A person from the team has been asked to join and will answer you here shortly.',
  ],
  teamOffline:
    'Our team is offline now (hours: {hours}). Leave your contact in the form below and we will get back to you.',
  again: 'To repeat the main point:',
  noted: 'Thank you, noted.',
  nextStep: {
    opening: 'What would you like to know?',
    discovery: 'Could you tell me a little more about what you need?',
    presentation: 'Would you like a detailed quote?',
    closing: 'Shall I take your name and phone number so the team can contact you?',
    follow_up: 'Is there anything else I can help you with?',
  },
});

const russian: Build = (g) => ({
  offlineNote: g(
    '(Я настроена как офлайн-ответчик: языковая модель не подключена, отвечаю фрагментами из базы знаний.)',
    '(Я настроен как офлайн-ответчик: языковая модель не подключена, отвечаю фрагментами из базы знаний.)',
    '(Это офлайн-ответчик: языковая модель не подключена, ответы берутся из базы знаний.)',
  ),
  greeting: ['Здравствуйте!', 'Ещё раз здравствуйте!'],
  welcome: ['Пожалуйста!', g('Рада помочь!', 'Рад помочь!', 'Всегда пожалуйста!')],
  notFound: [
    g(
      'Я не нашла этого в базе знаний. Переформулируйте вопрос или оставьте контакт — с вами свяжется специалист.',
      'Я не нашёл этого в базе знаний. Переформулируйте вопрос или оставьте контакт — с вами свяжется специалист.',
      'В базе знаний этого нет. Переформулируйте вопрос или оставьте контакт — с вами свяжется специалист.',
    ),
    g(
      'Об этом я пока ничего не нашла. Оставьте имя и телефон в форме ниже — специалист ответит вам лично.',
      'Об этом я пока ничего не нашёл. Оставьте имя и телефон в форме ниже — специалист ответит вам лично.',
      'Об этом в базе знаний пока ничего нет. Оставьте имя и телефон в форме ниже — специалист ответит вам лично.',
    ),
  ],
  contactOffer: [
    'Конечно. Оставьте имя и телефон в форме ниже (или напишите их здесь) — специалист вам перезвонит.',
    'Специалист вам перезвонит: оставьте имя и телефон в форме ниже (или напишите их здесь).',
  ],
  handoffRequested: [
    g(
      'Конечно. Я позвала коллегу: специалист ответит вам здесь, в этом чате.',
      'Конечно. Я позвал коллегу: специалист ответит вам здесь, в этом чате.',
      'Конечно. Коллегу уже позвали: специалист ответит вам здесь, в этом чате.',
    ),
    'Специалиста уже пригласили в чат: он ответит вам здесь в ближайшее время.',
  ],
  teamOffline:
    'Сейчас наша команда не на связи (часы работы: {hours}). Оставьте контакты в форме ниже — мы с вами свяжемся.',
  again: g('Как я уже писала:', 'Как я уже писал:', 'Повторю главное:'),
  noted: g('Спасибо, записала.', 'Спасибо, записал.', 'Спасибо, записано.'),
  nextStep: {
    opening: 'Что бы вы хотели узнать?',
    discovery: 'Расскажите, пожалуйста, подробнее, что вам нужно?',
    presentation: 'Хотите получить подробный расчёт?',
    closing: 'Оставите имя и телефон, чтобы специалист с вами связался?',
    follow_up: 'Могу ли я помочь чем-то ещё?',
  },
});

const spanish: Build = () => ({
  offlineNote:
    '(Respondedor sin conexión: no hay un modelo de IA conectado; respondo con la base de conocimiento.)',
  greeting: ['¡Hola!', '¡Hola de nuevo!'],
  welcome: ['¡De nada!', '¡Con gusto!'],
  notFound: [
    'No encontré eso en mi base de conocimiento. ¿Puede reformularlo o dejar su contacto para que una persona le ayude?',
    'Todavía no hay nada sobre eso en mi base de conocimiento. Deje su nombre y teléfono en el formulario y una persona le responderá.',
  ],
  contactOffer: [
    'Por supuesto. Deje su nombre y teléfono en el formulario de abajo (o escríbalos aquí) y una persona del equipo le llamará.',
    'Una persona del equipo le llamará: deje su nombre y teléfono en el formulario de abajo (o escríbalos aquí).',
  ],
  handoffRequested: [
    'Por supuesto. He pedido a un compañero que se una: una persona del equipo le responderá aquí, en este chat.',
    'Una persona del equipo ya ha sido avisada y le responderá aquí en breve.',
  ],
  teamOffline:
    'Nuestro equipo no está disponible ahora (horario: {hours}). Deje sus datos de contacto en el formulario de abajo y le responderemos.',
  again: 'Repito lo principal:',
  noted: 'Gracias, lo anoto.',
  nextStep: {
    opening: '¿Qué le gustaría saber?',
    discovery: '¿Podría contarme un poco más sobre lo que necesita?',
    presentation: '¿Le gustaría recibir un presupuesto detallado?',
    closing: '¿Me deja su nombre y teléfono para que el equipo le contacte?',
    follow_up: '¿Puedo ayudarle con algo más?',
  },
});

const portuguese: Build = () => ({
  offlineNote: '(Respondente offline: nenhum modelo de IA conectado; respondo pela base de conhecimento.)',
  greeting: ['Olá!', 'Olá de novo!'],
  welcome: ['De nada!', 'Disponha!'],
  notFound: [
    'Não encontrei isso na minha base de conhecimento. Pode reformular ou deixar seu contato para que uma pessoa ajude?',
    'Ainda não há nada sobre isso na minha base de conhecimento. Deixe seu nome e telefone no formulário e uma pessoa vai responder.',
  ],
  contactOffer: [
    'Claro. Deixe seu nome e telefone no formulário abaixo (ou escreva aqui) e uma pessoa da equipe vai ligar para você.',
    'Uma pessoa da equipe vai ligar para você: deixe seu nome e telefone no formulário abaixo (ou escreva aqui).',
  ],
  handoffRequested: [
    'Claro. Chamei um colega: uma pessoa da equipe vai responder você aqui, neste chat.',
    'Uma pessoa da equipe já foi chamada e vai responder você aqui em breve.',
  ],
  teamOffline:
    'Nossa equipe está offline agora (horário: {hours}). Deixe seu contato no formulário abaixo e retornaremos.',
  again: 'Repetindo o principal:',
  noted: 'Obrigado, anotado.',
  nextStep: {
    opening: 'O que você gostaria de saber?',
    discovery: 'Pode me contar um pouco mais sobre o que precisa?',
    presentation: 'Gostaria de receber um orçamento detalhado?',
    closing: 'Pode deixar seu nome e telefone para que a equipe entre em contato?',
    follow_up: 'Posso ajudar em algo mais?',
  },
});

const builds: Record<string, Build> = { en: english, ru: russian, es: spanish, pt: portuguese };

export function offlinePhrases(language: string, gender: SpeakerGender = null): OfflinePhrases {
  const build = builds[language.split('-')[0] ?? 'en'] ?? english;
  return build((feminine, masculine, neutral) =>
    gender === 'feminine' ? feminine : gender === 'masculine' ? masculine : neutral,
  );
}
