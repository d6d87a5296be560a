import { defineMessages } from '../../i18n/i18n.ts';

/** The live parts of the conversations pages: the waiting list, typing, what the transcript follows. */
export const conversationsLiveMessages = defineMessages({
  en: {
    'waiting.title': 'Waiting for a person',
    'waiting.nobody': 'Nobody is waiting. A visitor who asks for a person appears here at once.',
    'waiting.for': 'waiting',
    'waiting.sound': 'Play a sound when a visitor starts waiting',
    'live.typing': '{name} is typing…',
    'live.visitorTyping': 'The visitor is typing…',
    'live.held': 'Live: messages, typing and changes appear as they happen.',
    'live.agent':
      'The agent is answering: its replies appear every few seconds; once a person is asked for, everything is live.',
  },
  ru: {
    'waiting.title': 'Ждут человека',
    'waiting.nobody': 'Никто не ждёт. Посетитель, который позовёт человека, сразу появится здесь.',
    'waiting.for': 'ждёт',
    'waiting.sound': 'Звук, когда посетитель начинает ждать',
    'live.typing': '{name} печатает…',
    'live.visitorTyping': 'Посетитель печатает…',
    'live.held': 'В реальном времени: сообщения, набор текста и изменения видны сразу.',
    'live.agent':
      'Отвечает агент: его ответы появляются каждые несколько секунд; когда позовут человека, всё видно сразу.',
  },
});
