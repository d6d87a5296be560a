import { defineMessages } from '../../i18n/i18n.ts';

export const onboardingMessages = defineMessages({
  en: {
    'onboarding.title': 'Welcome to Closer',
    'onboarding.intro':
      'Two steps to a sales agent on your site: name your organisation, then your first agent.',
    'onboarding.orgStep': '1. Your organisation',
    'onboarding.orgName': 'Organisation name',
    'onboarding.orgHint': 'Usually your company. You can rename it in Settings.',
    'onboarding.agentStep': '2. Your first agent',
    'onboarding.agentName': 'Agent name',
    'onboarding.agentHint': 'Visitors see it in the chat header, e.g. "Ava from Sunny Solar".',
    'onboarding.language': 'Language it speaks',
    'onboarding.site': 'Your website (optional)',
    'onboarding.siteHint':
      'Its origin, e.g. https://www.example.com: the widget is allowed there. You can add more later.',
    'onboarding.submit': 'Create and continue',
  },
  ru: {
    'onboarding.title': 'Добро пожаловать в Closer',
    'onboarding.intro':
      'Два шага до агента продаж на вашем сайте: назовите организацию, затем первого агента.',
    'onboarding.orgStep': '1. Ваша организация',
    'onboarding.orgName': 'Название организации',
    'onboarding.orgHint': 'Обычно это ваша компания. Переименовать можно в настройках.',
    'onboarding.agentStep': '2. Ваш первый агент',
    'onboarding.agentName': 'Имя агента',
    'onboarding.agentHint': 'Посетители видят его в заголовке чата, например «Ава из Sunny Solar».',
    'onboarding.language': 'Язык общения',
    'onboarding.site': 'Ваш сайт (необязательно)',
    'onboarding.siteHint':
      'Его origin, например https://www.example.com: там разрешён виджет. Позже можно добавить ещё.',
    'onboarding.submit': 'Создать и продолжить',
  },
});
