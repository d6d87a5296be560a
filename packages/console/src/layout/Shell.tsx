// The signed-in frame: navigation (one entry per page of the route table), the organisation switcher, the
// language and theme choices, the user and sign-out; the page in <main>.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { Link, useLocation } from 'wouter-preact';
import { chooseOrganization, currentOrgId } from '../api.ts';
import { session, signOut } from '../auth/session.ts';
import { type Locale, locale, localeNames, locales, setLocale } from '../i18n/i18n.ts';
import { t } from '../i18n/messages.ts';
import { organizations } from '../organizations.ts';
import { routes } from '../routes.ts';
import { setTheme, type ThemeChoice, themeChoice } from '../theme.ts';

export function Shell({ children }: { children: ComponentChildren }) {
  const [location] = useLocation();
  const main = useRef<HTMLElement>(null);
  const previous = useRef<string | null>(null);
  // After a navigation, focus goes to the page (screen readers announce it; Tab continues from there). Not on
  // the first page, nor on the redirect from `/`: there Tab starts at the skip link.
  useEffect(() => {
    if (previous.current !== null && previous.current !== '/') main.current?.focus();
    previous.current = location;
  }, [location]);
  return (
    <div class="shell">
      <a class="skip-link" href="#main">
        {t('nav.skip')}
      </a>
      <aside class="sidebar">
        <div class="brand">Closer</div>
        <OrganizationSwitcher />
        <nav class="nav" aria-label={t('nav.label')}>
          <ul>
            {routes
              .filter((route) => route.nav)
              .map((route) => {
                const active = location === route.path || location.startsWith(`${route.path}/`);
                return (
                  <li key={route.path}>
                    <Link href={route.path} aria-current={active ? 'page' : undefined}>
                      {t(route.nav!)}
                    </Link>
                  </li>
                );
              })}
          </ul>
        </nav>
        <Preferences />
      </aside>
      <main id="main" class="main" ref={main} tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}

function OrganizationSwitcher() {
  const list = organizations.value ?? [];
  const [location, navigate] = useLocation();
  return (
    <div class="field">
      <label for="organization-switcher">{t('org.label')}</label>
      <select
        id="organization-switcher"
        value={currentOrgId.value ?? ''}
        onChange={(event) => {
          chooseOrganization(event.currentTarget.value);
          // Ids of the other organisation's things mean nothing here: back to the page's list.
          navigate(`/${location.split('/')[1] ?? ''}`);
        }}
      >
        {list.map((org) => (
          <option key={org.id} value={org.id}>
            {org.name}
          </option>
        ))}
      </select>
      <Link href="/onboarding" class="small-link">
        {t('org.create')}
      </Link>
    </div>
  );
}

function Preferences() {
  return (
    <div class="sidebar-footer">
      <div class="field">
        <label for="console-language">{t('prefs.language')}</label>
        <select
          id="console-language"
          value={locale.value}
          onChange={(event) => setLocale(event.currentTarget.value as Locale)}
        >
          {locales.map((code) => (
            <option key={code} value={code} lang={code}>
              {localeNames[code]}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="console-theme">{t('prefs.theme')}</label>
        <select
          id="console-theme"
          value={themeChoice.value}
          onChange={(event) => setTheme(event.currentTarget.value as ThemeChoice)}
        >
          <option value="system">{t('prefs.theme.system')}</option>
          <option value="light">{t('prefs.theme.light')}</option>
          <option value="dark">{t('prefs.theme.dark')}</option>
        </select>
      </div>
      <div class="muted" data-testid="signed-in-as">
        {session.value?.user.email}
      </div>
      <button type="button" class="button" onClick={() => void signOut()}>
        {t('auth.signOut')}
      </button>
    </div>
  );
}
