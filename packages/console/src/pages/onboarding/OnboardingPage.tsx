// A user's first minute: an organisation and its first agent in one form, then that agent's install panel.
import { agentCreate, organizationCreate } from '@closer/contract';
import { useState } from 'preact/hooks';
import { useLocation } from 'wouter-preact';
import { api, chooseOrganization } from '../../api.ts';
import { locale } from '../../i18n/i18n.ts';
import { t } from '../../i18n/messages.ts';
import { reloadOrganizations } from '../../organizations.ts';
import { errorMessage, type FieldErrors, serverFieldErrors, validate } from '../../ui/errors.ts';
import { Field, FormError } from '../../ui/Field.tsx';
import { PageHeader } from '../../ui/PageHeader.tsx';
import { languageOptions, originOf } from '../agents/options.ts';

export function OnboardingPage() {
  const [, navigate] = useLocation();
  const [orgName, setOrgName] = useState('');
  const [agentName, setAgentName] = useState('');
  const [language, setLanguage] = useState<string>(locale.value);
  const [site, setSite] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Kept between attempts: a failed agent step does not make a second organisation.
  const [orgId, setOrgId] = useState<string | null>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    const org = validate(organizationCreate, { name: orgName });
    const agent = validate(agentCreate, {
      name: agentName,
      language,
      allowedOrigins: site.trim() ? [originOf(site)] : [],
    });
    const found: FieldErrors = {};
    if (!org.ok) for (const [path, message] of Object.entries(org.errors)) found[`org.${path}`] = message;
    if (!agent.ok) Object.assign(found, agent.errors);
    setErrors(found);
    setFailure(null);
    if (!org.ok || !agent.ok) return;
    setBusy(true);
    try {
      let id = orgId;
      if (!id) {
        id = (await api().organizations.create(org.data)).id;
        setOrgId(id);
        chooseOrganization(id);
      }
      const created = await api().agents.create(agent.data);
      await reloadOrganizations(id);
      navigate(`/agents/${created.id}?tab=install`);
    } catch (error) {
      setErrors(serverFieldErrors(error));
      setFailure(errorMessage(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="center-page center-page-wide">
      <div class="card">
        <PageHeader title={t('onboarding.title')} />
        <p class="muted">{t('onboarding.intro')}</p>
        <form noValidate onSubmit={submit}>
          <h2>{t('onboarding.orgStep')}</h2>
          <Field label={t('onboarding.orgName')} hint={t('onboarding.orgHint')} error={errors['org.name']}>
            {(control) => (
              <input
                {...control}
                value={orgName}
                disabled={orgId !== null}
                autocomplete="organization"
                onInput={(event) => setOrgName(event.currentTarget.value)}
              />
            )}
          </Field>
          <h2>{t('onboarding.agentStep')}</h2>
          <Field label={t('onboarding.agentName')} hint={t('onboarding.agentHint')} error={errors.name}>
            {(control) => (
              <input
                {...control}
                value={agentName}
                onInput={(event) => setAgentName(event.currentTarget.value)}
              />
            )}
          </Field>
          <Field label={t('onboarding.language')} error={errors.language}>
            {(control) => (
              <select
                {...control}
                value={language}
                onChange={(event) => setLanguage(event.currentTarget.value)}
              >
                {languageOptions().map((option) => (
                  <option key={option.code} value={option.code}>
                    {option.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field
            label={t('onboarding.site')}
            hint={t('onboarding.siteHint')}
            error={errors['allowedOrigins.0'] ?? errors.allowedOrigins}
          >
            {(control) => (
              <input
                {...control}
                type="url"
                inputMode="url"
                placeholder="https://www.example.com"
                value={site}
                onInput={(event) => setSite(event.currentTarget.value)}
              />
            )}
          </Field>
          <FormError message={failure} />
          <button type="submit" class="button button-primary" disabled={busy}>
            {busy ? t('action.saving') : t('onboarding.submit')}
          </button>
        </form>
      </div>
    </div>
  );
}
