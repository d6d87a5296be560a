// After a password-reset link: the user is signed in for this one purpose and chooses a new password.
import { useState } from 'preact/hooks';
import { currentAuth, passwordRecovery } from '../../auth/session.ts';
import { t } from '../../i18n/messages.ts';
import { Field } from '../../ui/Field.tsx';
import { PageHeader } from '../../ui/PageHeader.tsx';
import { toast } from '../../ui/Toast.tsx';
import { failureText } from './SignInPage.tsx';

export function NewPasswordPage() {
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const save = async (event: Event) => {
    event.preventDefault();
    const auth = currentAuth();
    if (auth.kind !== 'supabase') return;
    if (!password) return setError(t('signIn.passwordRequired'));
    setBusy(true);
    setError(null);
    try {
      await auth.updatePassword(password);
      passwordRecovery.value = false;
      toast(t('form.saved'));
    } catch (failure) {
      setError(failureText(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="center-page" id="main">
      <div class="card">
        <PageHeader title={t('signIn.newPassword.title')} />
        <form noValidate onSubmit={save}>
          <Field
            label={t('signIn.newPassword.field')}
            hint={t('signIn.passwordHint')}
            error={error ?? undefined}
          >
            {(control) => (
              <input
                {...control}
                type="password"
                autocomplete="new-password"
                value={password}
                onInput={(event) => setPassword(event.currentTarget.value)}
              />
            )}
          </Field>
          <button type="submit" class="button button-primary" disabled={busy}>
            {busy ? t('signIn.working') : t('signIn.newPassword.submit')}
          </button>
        </form>
      </div>
    </main>
  );
}
