// The offline responder, behaviour by behaviour, in English and Russian: what every new user sees first.

import type { ChatReply } from '@closer/contract';
import type { Database } from '@closer/functions/_shared/db/types.ts';
import { speakerGender } from '@closer/functions/_shared/llm/offline/gender.ts';
import { offlineAnswer } from '@closer/functions/_shared/llm/offline.ts';
import type { Grounding } from '@closer/functions/_shared/llm/types.ts';
import { readIntent } from '@closer/functions/_shared/retrieval/intent.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, createApi } from '../helpers/api.ts';
import { migratedDatabase } from '../helpers/databases.ts';
import { createTenant } from '../helpers/tenants.ts';

const maya: Grounding = {
  agentName: 'Maya from SunPeak Solar',
  persona: 'You are Maya, a friendly and straightforward solar advisor at SunPeak Solar.',
  language: 'en',
  knowledge: [
    {
      title: 'Financing options',
      content: 'Financing options\nWe offer a solar loan from 5.99% APR with no money down.',
    },
    {
      title: 'System pricing',
      content: 'System pricing\nA typical 7 kW system costs $17,500 to $21,000 installed.',
    },
  ],
  objections: [],
  script: null,
  stage: 'discovery',
  question: 'Do you offer financing?',
};

const anna: Grounding = {
  agentName: 'Анна — студия ремонта «Уютный дом»',
  persona: 'Ты — Анна, консультант студии ремонта «Уютный дом».',
  language: 'ru',
  knowledge: [
    { title: 'Гарантия', content: 'Гарантия\nНа все работы даём гарантию 3 года по договору.' },
    { title: 'Сроки ремонта', content: 'Сроки ремонта\nОднокомнатная квартира — от 45 рабочих дней.' },
  ],
  objections: [],
  script: null,
  stage: 'discovery',
  question: 'Какая у вас гарантия?',
};

const paragraphs = (answer: string) => answer.split('\n\n');

describe('the offline responder answers the question asked', () => {
  it.each([
    [maya, 'We offer a solar loan from 5.99% APR with no money down.', '$17,500'],
    [anna, 'На все работы даём гарантию 3 года по договору.', '45 рабочих дней'],
  ])('opens with the best passage, without its title, and only that one (%#)', (grounding, best, other) => {
    const answer = offlineAnswer(grounding);
    expect(paragraphs(answer)[0]).toBe(best);
    expect(answer).not.toContain(other);
  });

  it.each([
    [maya, 'Solar is too expensive', 'No money down: the loan costs less than the bill.'],
    [anna, 'Дорого', 'Смета фиксированная, оплата поэтапная.'],
  ])('puts a matched objection answer first, then the best passage (%#)', (grounding, objection, answer) => {
    const reply = offlineAnswer({ ...grounding, objections: [{ objection, answer }] });
    expect(paragraphs(reply).slice(0, 2)).toEqual([answer, paragraphs(offlineAnswer(grounding))[0]]);
  });

  it.each([maya, anna])('gives no objection answer when none matched (%#)', (grounding) => {
    const reply = offlineAnswer(grounding);
    expect(reply).not.toMatch(/Смета фиксированная|No money down/);
  });
});

describe('the offline responder says once what it is, in one short line of the agent language', () => {
  it('ends the first reply with it, in English', () => {
    const lines = offlineAnswer(maya).split('\n');
    expect(lines.at(-1)).toBe(
      '(Offline responder: no AI model is connected, so I answer with passages from the knowledge base.)',
    );
    expect(lines.filter((line) => /offline responder/i.test(line))).toHaveLength(1);
  });

  it('ends the first reply with it, in Russian, in the persona’s grammatical gender', () => {
    expect(offlineAnswer(anna).split('\n').at(-1)).toBe(
      '(Я настроена как офлайн-ответчик: языковая модель не подключена, отвечаю фрагментами из базы знаний.)',
    );
    const ivan = { ...anna, agentName: 'Иван', persona: 'Ты — Иван, прораб студии.' };
    expect(offlineAnswer(ivan).split('\n').at(-1)).toMatch(/^\(Я настроен как офлайн-ответчик/);
    const studio = { ...anna, agentName: 'Студия «Уют»', persona: 'Отвечай вежливо.' };
    expect(offlineAnswer(studio).split('\n').at(-1)).toMatch(/^\(Это офлайн-ответчик/);
  });

  it.each([maya, anna])('does not say it again later in the conversation (%#)', (grounding) => {
    const later = offlineAnswer({ ...grounding, firstReply: false, previousReply: 'Earlier.' });
    expect(later).not.toMatch(/offline|офлайн/i);
  });

  it.each([
    ['Анна', '', 'feminine'],
    ['Maya from SunPeak Solar', 'You are Maya, a solar advisor.', 'feminine'],
    ['Консультант', 'Ты — Никита, менеджер.', 'masculine'],
    ['Помощник студии', 'Ты девушка-консультант.', 'feminine'],
    ['Саша', '', null],
    ['Команда поддержки', 'Отвечай вежливо.', null],
    ['Поддержка клиентов', '', null],
  ] as const)('reads the speaker’s gender from %s / %s', (name, persona, gender) => {
    expect(speakerGender(name, persona)).toBe(gender);
  });
});

describe('the offline responder never repeats its previous reply verbatim', () => {
  it.each([
    [maya, 'To repeat the main point:'],
    [anna, 'Как я уже писала:'],
  ])('says the best passage again with a lead-in (%#)', (grounding, leadIn) => {
    const later = { ...grounding, firstReply: false };
    const first = offlineAnswer(later);
    const second = offlineAnswer({ ...later, previousReply: first });
    expect(second).not.toBe(first);
    expect(paragraphs(second).slice(0, 2)).toEqual([leadIn, paragraphs(first)[0]]);
    // Asked a third time, the lead-in version was the previous reply: the plain one differs from it.
    expect(offlineAnswer({ ...later, previousReply: second })).toBe(first);
  });

  it.each([maya, anna])('ignores whitespace when comparing with the previous reply (%#)', (grounding) => {
    const later = { ...grounding, firstReply: false };
    const first = offlineAnswer(later);
    const spaced = ` ${first.replaceAll('\n\n', '\n \n')} `;
    expect(offlineAnswer({ ...later, previousReply: spaced })).not.toBe(first);
  });

  it.each([
    [maya, 'Hi!'],
    [maya, 'ok'],
    [maya, 'Thanks!'],
    [maya, 'Can I talk to a human?'],
    [anna, 'Здравствуйте'],
    [anna, 'Спасибо'],
    [anna, 'Перезвоните мне'],
  ])(
    'answers a greeting, thanks, "ok" or a request for a person differently the second time (%#: %s)',
    (grounding, question) => {
      const later = { ...grounding, question, firstReply: false };
      const first = offlineAnswer(later);
      const second = offlineAnswer({ ...later, previousReply: first });
      expect(second).not.toBe(first);
      expect(offlineAnswer({ ...later, previousReply: second })).toBe(first);
    },
  );

  it.each([maya, anna])('words "not found" differently the second time (%#)', (grounding) => {
    const empty = { ...grounding, knowledge: [], question: 'Quantum widgets?', firstReply: false };
    const first = offlineAnswer(empty);
    const second = offlineAnswer({ ...empty, previousReply: first });
    expect(second).not.toBe(first);
  });
});

describe('the offline responder hears a request for a person or a call-back', () => {
  it.each([
    [maya, 'Can I talk to a human?', /form below.*call you back/],
    [maya, 'Please call me back tomorrow', /form below.*call you back/],
    [maya, 'I want to speak with a real person', /form below.*call you back/],
    [anna, 'Хочу поговорить с человеком', /форме ниже.*перезвонит/],
    [anna, 'Перезвоните мне, пожалуйста', /форме ниже.*перезвонит/],
    [anna, 'Позовите менеджера', /форме ниже.*перезвонит/],
  ])('offers the lead form instead of "not found" (%#: %s)', (grounding, question, offer) => {
    const reply = offlineAnswer({ ...grounding, question, knowledge: [] });
    expect(reply).toMatch(offer);
    expect(reply).not.toMatch(/couldn't find|не нашла|knowledge base has nothing/);
  });

  it.each([
    ['Do you sell batteries?', 'en'],
    ['How long does a callback survey take?', 'en'],
    ['Сколько стоит ремонт под ключ?', 'ru'],
  ])('does not mistake a question for one (%s)', (question, language) => {
    expect(readIntent(question, language).contactRequest).toBe(false);
  });
});

describe('the offline responder greets back', () => {
  it.each([
    [maya, 'Hi!', 'Hello!', 'What would you like to know?'],
    [maya, 'Hello Maya, how are you?', 'Hello!', 'What would you like to know?'],
    [anna, 'Здравствуйте', 'Здравствуйте!', 'Что бы вы хотели узнать?'],
    [anna, 'Добрый день, Анна!', 'Здравствуйте!', 'Что бы вы хотели узнать?'],
  ])(
    'on a greeting alone: a greeting and a question, no passage, no "not found" (%#: %s)',
    (grounding, question, hello, ask) => {
      const reply = offlineAnswer({ ...grounding, question, stage: 'opening', firstReply: false });
      expect(paragraphs(reply)).toEqual([hello, ask]);
    },
  );

  it.each([
    [maya, 'Hi, do you offer financing?', 'Hello!', 'We offer a solar loan'],
    [anna, 'Привет! Какая гарантия?', 'Здравствуйте!', 'На все работы'],
  ])(
    'on a greeting with a question: a greeting, then the answer (%#)',
    (grounding, question, hello, answer) => {
      const [first, second] = paragraphs(offlineAnswer({ ...grounding, question }));
      expect(first).toBe(hello);
      expect(second).toContain(answer);
    },
  );

  it.each([
    [maya, 'Thanks!', "You're welcome!", 'Is there anything else I can help you with?'],
    [anna, 'Спасибо большое', 'Пожалуйста!', 'Могу ли я помочь чем-то ещё?'],
  ])('on thanks: you are welcome, anything else (%#)', (grounding, question, welcome, more) => {
    expect(paragraphs(offlineAnswer({ ...grounding, question, firstReply: false }))).toEqual([welcome, more]);
  });
});

describe('a conversation with the offline responder through POST /chat', () => {
  let db: Database;
  let api: Api;
  beforeAll(async () => {
    db = await migratedDatabase('pglite');
    api = createApi(db);
  });
  afterAll(async () => db?.close());

  it.each([
    {
      language: 'en',
      name: 'Maya',
      items: [
        { title: 'Financing options', content: 'We offer a solar loan from 5.99% APR with no money down.' },
        { title: 'Warranty', content: 'Panels carry a 25-year product and performance warranty.' },
      ],
      turns: ['Hello!', 'Do you offer a solar loan?', 'Do you offer a solar loan?', 'Can I talk to a human?'],
      hello: 'Hello!',
      answer: '5.99% APR',
      person: /call you back/,
      offline: /offline responder/i,
    },
    {
      language: 'ru',
      name: 'Анна',
      items: [
        { title: 'Гарантия', content: 'На все работы даём гарантию 3 года по договору.' },
        { title: 'Сроки', content: 'Однокомнатная квартира — от 45 рабочих дней.' },
      ],
      turns: ['Здравствуйте', 'Какая гарантия на работы?', 'Какая гарантия на работы?', 'Перезвоните мне'],
      hello: 'Здравствуйте!',
      answer: 'гарантию 3 года',
      person: /перезвонит/,
      offline: /Я настроена как офлайн-ответчик/,
    },
  ])(
    'greets, answers, does not repeat itself, offers the form, says once what it is ($language)',
    async (c) => {
      const shop = await createTenant(db, `Offline${c.language}`);
      await db.query(`update agents set language = $2, name = $3, persona = '' where id = $1`, [
        shop.agentId,
        c.language,
        c.name,
      ]);
      const server = api.as(shop.secretKey);
      await server('POST', `/agents/${shop.agentId}/knowledge`, { items: c.items });
      const replies: string[] = [];
      let conversationId: string | undefined;
      for (const message of c.turns) {
        const reply = await server<ChatReply>('POST', '/chat', {
          agentId: shop.agentId,
          message,
          ...(conversationId ? { conversationId } : {}),
        });
        expect(reply.status).toBe(200);
        conversationId = reply.body.conversationId;
        replies.push(reply.body.message.content);
      }
      const [hello, answer, again, person] = replies as [string, string, string, string];
      expect(hello.split('\n\n')[0]).toBe(c.hello);
      expect(hello).toMatch(c.offline);
      expect(answer.split('\n\n')[0]).toContain(c.answer);
      expect(again).not.toBe(answer);
      expect(person).toMatch(c.person);
      expect(replies.filter((r) => c.offline.test(r))).toHaveLength(1);
    },
  );
});
