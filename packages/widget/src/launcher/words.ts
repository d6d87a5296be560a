// The launcher's few words (the bubble and the fallback when the panel cannot load) in the built-in languages,
// and which way a language is written. The panel's full catalogue (i18n.ts) builds on these.

export interface LauncherWords {
  open: string;
  close: string;
  unread: (n: number) => string;
  /** Shown in place of the panel when its script cannot be downloaded. */
  unavailable: string;
  retry: string;
}

export const launcherWords: Record<string, LauncherWords> = {
  en: {
    open: 'Open chat',
    close: 'Close chat',
    unread: (n) => `${n} unread`,
    unavailable: 'The chat could not load. Check your connection.',
    retry: 'Try again',
  },
  ru: {
    open: 'Открыть чат',
    close: 'Закрыть чат',
    unread: (n) => `Непрочитанных: ${n}`,
    unavailable: 'Не удалось загрузить чат. Проверьте подключение.',
    retry: 'Повторить',
  },
  es: {
    open: 'Abrir chat',
    close: 'Cerrar chat',
    unread: (n) => `${n} sin leer`,
    unavailable: 'No se pudo cargar el chat. Revisa tu conexión.',
    retry: 'Reintentar',
  },
  pt: {
    open: 'Abrir chat',
    close: 'Fechar chat',
    unread: (n) => `${n} não lidas`,
    unavailable: 'Não foi possível carregar o chat. Verifique sua conexão.',
    retry: 'Tentar de novo',
  },
};

export const baseLanguage = (locale: string) => locale.toLowerCase().split(/[-_]/)[0] ?? 'en';

/** The launcher's words for a locale such as `pt-BR`, falling back to English. */
export const wordsFor = (locale: string): LauncherWords =>
  launcherWords[baseLanguage(locale)] ?? (launcherWords.en as LauncherWords);

/** Arabic, Hebrew, Persian and Urdu are written right to left. */
export function isRightToLeft(locale: string): boolean {
  return ['ar', 'he', 'fa', 'ur'].includes(baseLanguage(locale));
}
