// An organisation's billing as its admins read it: the plan in force, this period's meters, the subscription
// and what needs their attention.
import type { BillingUsage, BillingWarning } from '@closer/contract';
import type { Queryable } from '../db/types.ts';
import { iso } from '../resources/time.ts';
import { currentPlan, planFromRow } from './plans.ts';
import { planAllowance } from './usage.ts';

export interface AccountRow {
  org_id: string;
  plan_id: string;
  stripe_customer_id: string | null;
  stripe_subscription_id: string | null;
  subscription_status: string | null;
  current_period_start: Date | string | null;
  current_period_end: Date | string | null;
  cancel_at_period_end: boolean;
  payment_failed_at: Date | string | null;
  grace_until: Date | string | null;
  over_allowance_at: Date | string | null;
}

export async function readAccount(tx: Queryable): Promise<AccountRow | null> {
  const [row] = await tx.query<AccountRow>(
    'select * from public.billing_accounts where org_id = public.current_org_id()',
  );
  return row ?? null;
}

const time = (value: Date | string) => new Date(value).getTime();

export async function readUsage(tx: Queryable): Promise<BillingUsage> {
  const plan = await currentPlan(tx);
  const account = await readAccount(tx);
  const [figures] = await tx.query<{
    period_start: Date | string;
    messages: string | number;
    agents: string | number;
    members: string | number;
    knowledge: string | number;
  }>(
    `select p.start as period_start,
       coalesce((select u.quantity from public.billing_usage u where u.org_id = public.current_org_id()
                 and u.metric = 'messages' and u.period_start = p.start), 0) as messages,
       (select count(*) from public.agents where org_id = public.current_org_id()) as agents,
       (select count(*) from public.organization_members where org_id = public.current_org_id()) as members,
       public.billing_knowledge_bytes() as knowledge
     from (select public.billing_period_start() as start) p`,
  );
  const start = new Date(figures!.period_start);
  const subscriptionEnd =
    account?.current_period_end &&
    account.current_period_start &&
    time(account.current_period_start) === start.getTime()
      ? new Date(account.current_period_end)
      : null;
  const end = subscriptionEnd ?? new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
  const meter = (limit: 'agents' | 'messages' | 'knowledgeBytes' | 'members', used: string | number) => ({
    limit,
    used: Number(used),
    allowance: planAllowance(plan, limit),
  });
  return {
    plan: planFromRow(plan),
    period: { start: start.toISOString(), end: end.toISOString() },
    meters: [
      meter('messages', figures!.messages),
      meter('agents', figures!.agents),
      meter('knowledgeBytes', figures!.knowledge),
      meter('members', figures!.members),
    ],
    subscription:
      account?.stripe_subscription_id && account.subscription_status
        ? {
            status: account.subscription_status,
            planId: account.plan_id,
            currentPeriodEnd: account.current_period_end ? iso(account.current_period_end) : null,
            cancelAtPeriodEnd: account.cancel_at_period_end,
            graceUntil: account.grace_until ? iso(account.grace_until) : null,
          }
        : null,
    warnings: warningsOf(account, start),
  };
}

function warningsOf(account: AccountRow | null, periodStart: Date): BillingWarning[] {
  if (!account) return [];
  const warnings: BillingWarning[] = [];
  if (account.over_allowance_at && time(account.over_allowance_at) >= periodStart.getTime()) {
    warnings.push({
      code: 'over_allowance',
      message: `The plan's messages for this period ran out on ${iso(account.over_allowance_at).slice(0, 10)}: visitors get the plan's fallback until the next period or an upgrade.`,
    });
  }
  if (account.payment_failed_at && account.grace_until) {
    const graceOver = time(account.grace_until) <= Date.now();
    warnings.push({
      code: 'payment_failed',
      message: graceOver
        ? 'A payment failed and the grace period is over: the organisation is on the free plan until the invoice is paid.'
        : `A payment failed: the plan holds until ${iso(account.grace_until).slice(0, 10)}. Update the payment method in the billing portal.`,
    });
  }
  if (account.subscription_status === 'canceled' && account.plan_id !== 'free') {
    warnings.push({
      code: 'canceled',
      message: 'The subscription has ended: the organisation is on the free plan.',
    });
  }
  return warnings;
}
