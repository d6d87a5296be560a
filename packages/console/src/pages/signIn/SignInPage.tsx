// Signing in: with Supabase Auth (password, e-mail link, new account, password reset) or, on the local stack,
// as any e-mail. A link that failed (used, expired) is explained here.
import { useState } from 'preact/hooks';
import { currentAuth, linkFailure } from '../../auth/session.ts';
import { AuthFailure, type PasswordAuth } from '../../auth/types.ts';
import { type MessageKey, t } from '../../i18n/messages.ts';
import { Field, FormError } from '../../ui/Field.tsx';
import { PageHeader } from '../../ui/PageHeader.tsx';
import { Tabs } from '../../ui/Tabs.tsx';

type Mode = 'password' | 'magic' | 'signUp' | 'reset';

export function failureText(error: unknown): string {
  if (error instanceof AuthFailure) return t(`auth.${error.code}` as MessageKey, { message: error.message });
  return t('auth.unknown', { message: error instanceof Error ? error.message : String(error) });
}

/** Runs a sign-in step with busy, error and done states. */
function useStep() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const run = async (step: () => Promise<string | null>) => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      setDone(await step());
    } catch (failure) {
      setError(failureText(failure));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, done, run };
}

export function SignInPage() {
  const auth = currentAuth();
  return (
    <main class="center-page" id="main">
      <div class="card">{auth.kind === 'local' ? <LocalSignIn /> : <PasswordSignIn auth={auth} />}</div>
    </main>
  );
}

function LinkFailure() {
  const failure = linkFailure.value;
  return failure ? (
    <p class="form-error" role="alert">
      {failureText(failure)}
    </p>
  ) : null;
}

function LocalSignIn() {
  const auth = currentAuth();
  const [email, setEmail] = useState('');
  const step = useStep();
  const [missing, setMissing] = useState(false);
  return (
    <>
      <PageHeader title={t('signIn.local.title')} />
      <LinkFailure />
      <p class="muted">{t('signIn.local.hint')}</p>
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          setMissing(!email.trim());
          if (!email.trim() || auth.kind !== 'local') return;
          void step.run(async () => {
            await auth.signInAs(email.trim());
            linkFailure.value = null;
            return null;
          });
        }}
      >
        <Field label={t('signIn.email')} error={missing ? t('signIn.required') : undefined}>
          {(control) => (
            <input
              {...control}
              type="email"
              autocomplete="email"
              value={email}
              onInput={(event) => setEmail(event.currentTarget.value)}
            />
          )}
        </Field>
        <FormError message={step.error} />
        <button type="submit" class="button button-primary" disabled={step.busy}>
          {step.busy ? t('signIn.working') : t('signIn.local.submit')}
        </button>
      </form>
    </>
  );
}

const modes: { mode: Mode; label: MessageKey }[] = [
  { mode: 'password', label: 'signIn.password' },
  { mode: 'magic', label: 'signIn.magic' },
  { mode: 'signUp', label: 'signIn.signUp' },
  { mode: 'reset', label: 'signIn.reset' },
];

function PasswordSignIn({ auth }: { auth: PasswordAuth }) {
  const [mode, setMode] = useState<Mode>('password');
  // Typed text stays when switching modes or after a failure.
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [missing, setMissing] = useState<{ email?: boolean; password?: boolean }>({});
  const step = useStep();
  const needsPassword = mode === 'password' || mode === 'signUp';
  const submit = (event: Event) => {
    event.preventDefault();
    const address = email.trim();
    const problems = { email: !address, password: needsPassword && !password };
    setMissing(problems);
    if (problems.email || problems.password) return;
    void step.run(async () => {
      if (mode === 'password') await auth.signIn(address, password);
      if (mode === 'signUp')
        return (await auth.signUp(address, password)) === 'confirm_email'
          ? t('signIn.confirmEmail', { email: address })
          : null;
      if (mode === 'magic') {
        await auth.sendMagicLink(address);
        return t('signIn.linkSent', { email: address });
      }
      if (mode === 'reset') {
        await auth.sendPasswordReset(address);
        return t('signIn.resetSent', { email: address });
      }
      linkFailure.value = null;
      return null;
    });
  };
  const submitLabel: Record<Mode, MessageKey> = {
    password: 'signIn.submit',
    magic: 'signIn.sendLink',
    signUp: 'signIn.createAccount',
    reset: 'signIn.sendReset',
  };
  return (
    <>
      <PageHeader title={t('signIn.title')} />
      <LinkFailure />
      <Tabs
        label={t('signIn.tabs')}
        tabs={modes.map((entry) => ({ key: entry.mode, label: t(entry.label) }))}
        selected={mode}
        onSelect={setMode}
      >
        <form noValidate onSubmit={submit}>
          <Field label={t('signIn.email')} error={missing.email ? t('signIn.required') : undefined}>
            {(control) => (
              <input
                {...control}
                type="email"
                autocomplete="email"
                value={email}
                onInput={(event) => setEmail(event.currentTarget.value)}
              />
            )}
          </Field>
          {needsPassword && (
            <Field
              label={t('signIn.passwordField')}
              hint={mode === 'signUp' ? t('signIn.passwordHint') : undefined}
              error={missing.password ? t('signIn.passwordRequired') : undefined}
            >
              {(control) => (
                <input
                  {...control}
                  type="password"
                  autocomplete={mode === 'signUp' ? 'new-password' : 'current-password'}
                  value={password}
                  onInput={(event) => setPassword(event.currentTarget.value)}
                />
              )}
            </Field>
          )}
          <FormError message={step.error} />
          {step.done && (
            <p class="form-success" role="status">
              {step.done}
            </p>
          )}
          <button type="submit" class="button button-primary" disabled={step.busy}>
            {step.busy ? t('signIn.working') : t(submitLabel[mode])}
          </button>
        </form>
      </Tabs>
    </>
  );
}
