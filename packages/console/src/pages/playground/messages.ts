import { defineMessages } from '../../i18n/i18n.ts';

export const playgroundMessages = defineMessages({
  en: {
    'nav.playground': 'Playground',
    'playground.title': 'Playground',
    'playground.realNote':
      'Chat with the agent as a visitor would. These are real conversations of the agent: they appear under Conversations, and a lead you leave here is a real lead.',
    'playground.chat': 'Chat',
    'playground.paused': 'The agent is paused: make it active on its page to chat with it.',
    'playground.originRefused':
      'The widget cannot chat from {origin}: add it to the agent’s allowed origins (Access and limits) to use the playground.',
    'playground.why': 'Why this answer',
    'playground.whyEmpty':
      'Send a message: what the reply is grounded on (passages, objection answers, script stage) appears here with its scores.',
    'playground.forMessage': 'For “{message}”',
    'playground.stage': 'Script stage',
    'playground.passages': 'Passages',
    'playground.noPassages': 'No passages: small talk is not searched, or nothing in the knowledge matched.',
    'playground.objections': 'Objection answers',
    'playground.noObjections': 'No objection answer matched.',
    'playground.score': 'Score',
    'playground.similarity': 'Similarity',
    'playground.matched': 'Matched',
    'playground.matched.latest': 'this message',
    'playground.matched.previous': 'the previous message',
    'playground.kind.knowledge': 'Knowledge item',
    'playground.kind.article': 'Article',
  },
  ru: {
    'nav.playground': 'Песочница',
    'playground.title': 'Песочница',
    'playground.realNote':
      'Поговорите с агентом так, как это сделает посетитель. Это настоящие диалоги агента: они видны в разделе «Диалоги», а оставленный здесь лид — настоящий лид.',
    'playground.chat': 'Чат',
    'playground.paused': 'Агент приостановлен: включите его на странице агента, чтобы поговорить с ним.',
    'playground.originRefused':
      'Виджет не может работать на {origin}: добавьте этот адрес в разрешённые источники агента («Доступ и лимиты»), чтобы пользоваться песочницей.',
    'playground.why': 'Почему такой ответ',
    'playground.whyEmpty':
      'Отправьте сообщение: здесь появится, на чём основан ответ (фрагменты, ответы на возражения, этап скрипта), с оценками.',
    'playground.forMessage': 'Для «{message}»',
    'playground.stage': 'Этап скрипта',
    'playground.passages': 'Фрагменты',
    'playground.noPassages': 'Фрагментов нет: светская беседа не ищется, или в знаниях ничего не нашлось.',
    'playground.objections': 'Ответы на возражения',
    'playground.noObjections': 'Ни один ответ на возражение не подошёл.',
    'playground.score': 'Оценка',
    'playground.similarity': 'Сходство',
    'playground.matched': 'Найдено по',
    'playground.matched.latest': 'этому сообщению',
    'playground.matched.previous': 'предыдущему сообщению',
    'playground.kind.knowledge': 'Запись знаний',
    'playground.kind.article': 'Статья',
  },
});
