import { defineMessages } from '../../i18n/i18n.ts';

export const kommoChatMessages = defineMessages({
  en: {
    'kommoChat.title': "Answer Kommo's chats",
    'kommoChat.intro':
      'The agent can answer WhatsApp, Instagram, Telegram and Kommo chat messages inside Kommo through a Salesbot (Advanced plan or above). Pick the agent, upload the widget to your Kommo integration, and paste the bot into Salesbot → View source.',
    'kommoChat.url': "Agent's Salesbot URL",
    'kommoChat.bot': 'Bot to paste into Kommo',
    'kommoChat.copyBot': 'Copy the bot',
    'kommoChat.widget': 'Download the widget',
    'kommoChat.widgetSaved': 'Saved {file}',
    'kommoChat.guide': 'Step-by-step guide: docs/kommo-chat.md',
  },
  ru: {
    'kommoChat.title': 'Ответы в чатах Kommo',
    'kommoChat.intro':
      'Агент может отвечать в WhatsApp, Instagram, Telegram и чате Kommo прямо в Kommo через Salesbot (тариф «Расширенный» и выше). Выберите агента, загрузите виджет в интеграцию Kommo и вставьте бота в Salesbot → Исходный код.',
    'kommoChat.url': 'Адрес агента для Salesbot',
    'kommoChat.bot': 'Бот для вставки в Kommo',
    'kommoChat.copyBot': 'Скопировать бота',
    'kommoChat.widget': 'Скачать виджет',
    'kommoChat.widgetSaved': 'Сохранено: {file}',
    'kommoChat.guide': 'Пошаговая инструкция: docs/kommo-chat.md',
  },
});
