import { defineMessages } from '../../i18n/i18n.ts';

export const kommoHandoffTaskMessages = defineMessages({
  en: {
    'kommoTask.title': 'When a visitor asks for a person',
    'kommoTask.intro':
      'Kommo gets a Follow-up task on the conversation’s lead, for the lead’s responsible user, with a link to the conversation.',
    'kommoTask.user': 'Without a lead in Kommo, the task goes to',
    'kommoTask.defaultUser': 'The responsible user above (else whoever connected Kommo)',
    'kommoTask.due': 'Due after (minutes)',
    'kommoTask.dueHint': '1 to 1440 minutes after the visitor asked.',
    'kommoTask.dueInvalid': 'Enter a whole number of minutes from 1 to 1440.',
  },
  ru: {
    'kommoTask.title': 'Когда посетитель просит человека',
    'kommoTask.intro':
      'В Kommo появляется задача «Связаться» в сделке разговора для ответственного за сделку, со ссылкой на разговор.',
    'kommoTask.user': 'Без сделки в Kommo задача достаётся',
    'kommoTask.defaultUser': 'Ответственному выше (иначе тому, кто подключил Kommo)',
    'kommoTask.due': 'Срок (минут)',
    'kommoTask.dueHint': 'От 1 до 1440 минут после просьбы посетителя.',
    'kommoTask.dueInvalid': 'Введите целое число минут от 1 до 1440.',
  },
});
