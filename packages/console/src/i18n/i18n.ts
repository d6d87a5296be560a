// The interface's words: one catalog per area (common here, each page's beside the page), typed keys, English as
// the reference every other language must match key for key.
import { computed, signal } from '@preact/signals';

export const locales = ['en', 'ru'] as const;
export type Locale = (typeof locales)[number];
export const localeNames: Record<Locale, string> = { en: 'English', ru: 'Русский' };

type Catalog = Record<string, string>;
/** An area's messages: English, and every other language with exactly English's keys. */
export type Messages<E extends Catalog> = { en: E } & Record<Exclude<Locale, 'en'>, Record<keyof E, string>>;

export function defineMessages<const E extends Catalog>(messages: Messages<E>): Messages<E> {
  return messages;
}

const stored = (): Locale | null => {
  try {
    const value = localStorage.getItem('closer.console.locale');
    return (locales as readonly string[]).includes(value ?? '') ? (value as Locale) : null;
  } catch {
    return null;
  }
};
const fromBrowser = (): Locale =>
  (navigator.languages ?? [navigator.language])
    .map((tag) => tag.slice(0, 2).toLowerCase())
    .find((code): code is Locale => (locales as readonly string[]).includes(code)) ?? 'en';

export const locale = signal<Locale>(typeof navigator === 'undefined' ? 'en' : (stored() ?? fromBrowser()));

export function setLocale(next: Locale) {
  locale.value = next;
  try {
    localStorage.setItem('closer.console.locale', next);
  } catch {}
}

if (typeof document !== 'undefined') {
  // The page's language follows the choice (screen readers pronounce by it).
  computed(() => locale.value).subscribe((value) => {
    document.documentElement.lang = value;
  });
}

/** Number and date formatting in the interface's language. */
export const formatNumber = (value: number) => new Intl.NumberFormat(locale.value).format(value);
export const formatDateTime = (iso: string) =>
  new Intl.DateTimeFormat(locale.value, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));

/** `{name}` placeholders filled from `params`. */
export function fill(template: string, params?: Record<string, string | number>): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, key: string) =>
    key in params ? String(params[key]) : whole,
  );
}
