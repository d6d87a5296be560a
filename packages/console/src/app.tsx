// What the console shows: sign-in until there is a session, onboarding until the user has an organisation,
// then the shell with the page the address names.
import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';
import { Redirect, Route, Router, Switch } from 'wouter-preact';
import { currentOrgId } from './api.ts';
import { authReady, passwordRecovery, session } from './auth/session.ts';
import { t } from './i18n/messages.ts';
import { LazyPage } from './layout/LazyPage.tsx';
import { Shell } from './layout/Shell.tsx';
import {
  forgetOrganizations,
  loadOrganizations,
  organizations,
  organizationsError,
} from './organizations.ts';
import { OnboardingPage } from './pages/onboarding/OnboardingPage.tsx';
import { NewPasswordPage } from './pages/signIn/NewPasswordPage.tsx';
import { SignInPage } from './pages/signIn/SignInPage.tsx';
import { routerBase } from './routerBase.ts';
import { homePath, routes } from './routes.ts';
import { ErrorState, Loading } from './ui/states.tsx';
import { Toasts } from './ui/Toast.tsx';

export function App() {
  return (
    <Router base={routerBase}>
      <Signed />
      <Toasts />
    </Router>
  );
}

function Signed() {
  const user = session.value?.user.id;
  useEffect(() => {
    if (user) void loadOrganizations();
    else forgetOrganizations();
  }, [user]);
  if (!authReady.value)
    return (
      <Solo>
        <Loading />
      </Solo>
    );
  if (passwordRecovery.value && session.value) return <NewPasswordPage />;
  if (!session.value) return <SignInPage />;
  if (organizationsError.value && !organizations.value)
    return (
      <Solo>
        <ErrorState error={organizationsError.value} onRetry={() => void loadOrganizations()} />
      </Solo>
    );
  if (!organizations.value || (organizations.value.length > 0 && !currentOrgId.value))
    return (
      <Solo>
        <Loading label={t('org.loading')} />
      </Solo>
    );
  if (organizations.value.length === 0)
    return (
      <Solo>
        <OnboardingPage />
      </Solo>
    );
  return (
    <Shell>
      <Switch>
        <Route path="/">
          <Redirect to={homePath} replace />
        </Route>
        <Route path="/onboarding">
          <OnboardingPage />
        </Route>
        {routes.map((route) => (
          <Route key={route.path} path={route.path}>
            {(params: Record<string, string | undefined>) => <LazyPage route={route} params={params} />}
          </Route>
        ))}
        <Route>
          <ErrorState error={new Error(t('nav.notFound'))} />
        </Route>
      </Switch>
    </Shell>
  );
}

/** A page without the navigation (before there is an organisation to navigate in). */
function Solo({ children }: { children: ComponentChildren }) {
  return (
    <main id="main" class="solo">
      {children}
    </main>
  );
}
