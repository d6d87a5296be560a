// Light, dark, or the system's choice (prefers-color-scheme); kept in localStorage, applied as <html data-theme>.
import { effect, signal } from '@preact/signals';

export type ThemeChoice = 'system' | 'light' | 'dark';
const KEY = 'closer.console.theme';

function storedChoice(): ThemeChoice {
  try {
    const value = localStorage.getItem(KEY);
    return value === 'light' || value === 'dark' ? value : 'system';
  } catch {
    return 'system';
  }
}

export const themeChoice = signal<ThemeChoice>(
  typeof localStorage === 'undefined' ? 'system' : storedChoice(),
);

export function setTheme(choice: ThemeChoice) {
  themeChoice.value = choice;
  try {
    if (choice === 'system') localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, choice);
  } catch {}
}

if (typeof document !== 'undefined') {
  effect(() => {
    const choice = themeChoice.value;
    if (choice === 'system') delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = choice;
  });
}
