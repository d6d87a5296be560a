// Choices the agent forms offer: languages with a full-text configuration first, and page-URL-to-origin help.
import { fullTextLanguages } from '@closer/contract';
import { locale } from '../../i18n/i18n.ts';

/** The languages retrieval understands best, named in the interface's language. */
export function languageOptions(): { code: string; label: string }[] {
  const names = new Intl.DisplayNames([locale.value], { type: 'language' });
  return Object.keys(fullTextLanguages).map((code) => ({ code, label: names.of(code) ?? code }));
}

/**
 * What a person pastes (a page address, an origin with a trailing slash) as the origin the API expects; other
 * text is returned trimmed, for the contract's check to explain.
 */
export function originOf(input: string): string {
  const text = input.trim();
  if (text === '*' || text.includes('*')) return text.replace(/\/$/, '');
  try {
    const url = new URL(text);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url.origin;
  } catch {}
  return text;
}
