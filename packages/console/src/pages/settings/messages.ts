import { defineMessages } from '../../i18n/i18n.ts';

export const settingsMessages = defineMessages({
  en: {
    'settings.title': 'Settings',
  },
  ru: {
    'settings.title': 'Настройки',
  },
});
