// Usage-based plans: the replies the ledger counted and Stripe's Billing Meter has not heard of, sent as meter
// events. Each event's identifier names the organisation, period and running total, so a report repeated after a
// lost answer is counted once by Stripe.
import type { Database } from '../db/types.ts';
import type { BillingConfig } from './config.ts';
import { stripeClient } from './stripe.ts';

export interface MeterReport {
  /** Meter events Stripe accepted. */
  reported: number;
  /** Ledger rows whose report failed; tried again on the next run. */
  failed: number;
}

interface Unreported {
  org_id: string;
  period_start: Date;
  quantity: string | number;
  reported: string | number;
  stripe_customer_id: string;
  meter_event_name: string;
}

/** Reports every organisation's unreported replies on a usage-based plan (run by the billing worker). */
export async function reportMeteredUsage(
  db: Database,
  config: BillingConfig,
  limit = 100,
): Promise<MeterReport> {
  const rows = await db.query<Unreported>(
    `select u.org_id, u.period_start, u.quantity, u.reported, a.stripe_customer_id, p.meter_event_name
     from public.billing_usage u
     join public.billing_accounts a on a.org_id = u.org_id and a.stripe_customer_id is not null
     join billing.plans p on p.id = a.plan_id and p.meter_event_name is not null
     where u.metric = 'messages' and u.quantity > u.reported
     order by u.updated_at limit $1`,
    [limit],
  );
  const report: MeterReport = { reported: 0, failed: 0 };
  for (const row of rows) {
    const total = Number(row.quantity);
    const value = total - Number(row.reported);
    const period = new Date(row.period_start).toISOString();
    try {
      await stripeClient(config).billing.meterEvents.create({
        event_name: row.meter_event_name,
        payload: { stripe_customer_id: row.stripe_customer_id, value: String(value) },
        identifier: `closer:${row.org_id}:${period}:${total}`,
      });
      await db.query(
        `update public.billing_usage set reported = greatest(reported, $3)
         where org_id = $1 and metric = 'messages' and period_start = $2`,
        [row.org_id, row.period_start, total],
      );
      report.reported++;
    } catch (error) {
      report.failed++;
      console.error(
        JSON.stringify({ level: 'warn', where: 'billing meters', orgId: row.org_id, error: String(error) }),
      );
    }
  }
  return report;
}
