// The organisation's plan and usage (owners and admins): meters against the plan's limits, warnings, and the
// Stripe pages to upgrade (Checkout) or manage the subscription and read invoices (Customer Portal).
import type { BillingMeter, BillingPlan, BillingUsage } from '@closer/contract';
import { NotFoundError } from '@closer/sdk';
import { useState } from 'preact/hooks';
import { api, currentOrgId } from '../../api.ts';
import { formatDateTime, formatNumber } from '../../i18n/i18n.ts';
import { type MessageKey, t } from '../../i18n/messages.ts';
import { errorMessage } from '../../ui/errors.ts';
import { ErrorState, Loading, useLoad } from '../../ui/states.tsx';
import { toast } from '../../ui/Toast.tsx';
import { BillingWarnings } from './BillingWarnings.tsx';

export function BillingSection() {
  const load = useLoad(
    () => Promise.all([api().billing.usage(), api().billing.plans()]),
    [currentOrgId.value],
  );
  if (load.status === 'error' && load.error instanceof NotFoundError) {
    return (
      <div class="card">
        <h2>{t('settings.tab.billing')}</h2>
        <p>{t('billing.off')}</p>
      </div>
    );
  }
  if (load.status === 'error' && !load.data) return <ErrorState error={load.error} onRetry={load.reload} />;
  if (!load.data) return <Loading />;
  const [usage, plans] = load.data;
  return <BillingView usage={usage} plans={plans.data} />;
}

const day = (iso: string) => formatDateTime(iso).split(',')[0];

function BillingView({ usage, plans }: { usage: BillingUsage; plans: BillingPlan[] }) {
  const [busy, setBusy] = useState(false);
  // Stripe sends the admin back to this tab.
  const here = `${window.location.origin}${window.location.pathname}?tab=billing`;
  const go = async (open: () => Promise<{ url: string }>) => {
    setBusy(true);
    try {
      const { url } = await open();
      toast(t('billing.redirecting'));
      window.location.assign(url);
    } catch (error) {
      toast(errorMessage(error), 'error');
      setBusy(false);
    }
  };
  const portal = () => go(() => api().billing.portal({ returnUrl: here }));
  const subscribed = usage.subscription !== null && usage.subscription.status !== 'canceled';
  const upgrades = plans.filter((plan) => plan.purchasable && plan.id !== usage.plan.id);
  return (
    <div class="card">
      <h2>{t('billing.plan', { name: usage.plan.name })}</h2>
      <p class="muted">
        {t('billing.period', { start: day(usage.period.start) ?? '', end: day(usage.period.end) ?? '' })}
      </p>
      {usage.subscription && (
        <p>
          {t('billing.status', { status: usage.subscription.status })}
          {usage.subscription.cancelAtPeriodEnd && ` ${t('billing.cancelAtEnd')}`}
          {usage.subscription.graceUntil &&
            ` ${t('billing.grace', { date: day(usage.subscription.graceUntil) ?? '' })}`}
        </p>
      )}
      <BillingWarnings warnings={usage.warnings} />
      <h3>{t('billing.meters')}</h3>
      <dl class="billing-meters">
        {usage.meters.map((meter) => (
          <Meter key={meter.limit} meter={meter} />
        ))}
      </dl>
      <div class="actions">
        {!subscribed &&
          upgrades.map((plan) => (
            <button
              key={plan.id}
              type="button"
              class="button button-primary"
              disabled={busy}
              onClick={() =>
                go(() => api().billing.checkout({ planId: plan.id, successUrl: here, cancelUrl: here }))
              }
            >
              {t('billing.upgrade', { name: plan.name })}
            </button>
          ))}
        {usage.subscription && (
          <>
            <button type="button" class="button" disabled={busy} onClick={portal}>
              {t('billing.manage')}
            </button>
            <button type="button" class="button button-link" disabled={busy} onClick={portal}>
              {t('billing.invoices')}
            </button>
          </>
        )}
      </div>
    </div>
  );
}

function Meter({ meter }: { meter: BillingMeter }) {
  const used = formatNumber(meter.used);
  const label = t(`billing.meter.${meter.limit}` as MessageKey);
  return (
    <>
      <dt>{label}</dt>
      <dd>
        {meter.allowance === null ? (
          t('billing.unlimited', { used })
        ) : (
          <>
            <meter
              min={0}
              max={meter.allowance}
              value={Math.min(meter.used, meter.allowance)}
              aria-label={label}
            />{' '}
            {t('billing.of', { used, allowance: formatNumber(meter.allowance) })}
          </>
        )}
      </dd>
    </>
  );
}
